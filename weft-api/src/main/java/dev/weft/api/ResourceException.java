package dev.weft.api;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when resources cannot be loaded; lists every problem found, each with its location. */
public final class ResourceException extends Exception {

    private final List<ResourceProblem> problems;

    public ResourceException(List<ResourceProblem> problems) {
        super(message(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ResourceException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<ResourceProblem> problems() {
        return problems;
    }

    private static String message(List<ResourceProblem> problems) {
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        return problems.size() + " problems:" + problems.stream().map(p -> "\n  " + p).collect(Collectors.joining());
    }
}
