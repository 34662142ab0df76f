package dev.weft.api;

/** The {@code spec} of a resource; each kind has one immutable record implementing this. */
public interface Spec {

    /** The kind this spec belongs to. */
    Kind kind();
}
