package dev.weft.controlplane.client;

import java.util.Arrays;
import java.util.Optional;

/**
 * The three steps of a root rotation, in order: a new root joins the trust bundle, it becomes the issuer, the old
 * roots leave the bundle (once the SVIDs they issued were renewed: one SVID lifetime after activation).
 */
public enum RotationStep {
    ADD("add"),
    ACTIVATE("activate"),
    REMOVE_OLD("remove-old");

    private final String wireName;

    RotationStep(String wireName) {
        this.wireName = wireName;
    }

    /** The step's name in the API and on the command line. */
    public String wireName() {
        return wireName;
    }

    public static Optional<RotationStep> fromWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
