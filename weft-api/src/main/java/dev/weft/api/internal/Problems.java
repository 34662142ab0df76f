package dev.weft.api.internal;

import java.util.ArrayList;
import java.util.List;

/** Collects the problems found while reading one document, each at its field path, so all of them can be reported at once. */
public final class Problems {

    /** One problem: the field path ({@code spec.rules[0].backendRefs[1].weight}, empty for the document itself) and what is wrong. */
    public record Problem(String path, String message) {
    }

    private final List<Problem> problems = new ArrayList<>();

    public void add(String path, String message) {
        problems.add(new Problem(path, message));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public int size() {
        return problems.size();
    }

    public List<Problem> list() {
        return List.copyOf(problems);
    }
}
