package dev.weft.api.internal;

/** Builds field paths in the form the error messages use: {@code spec.rules[0].matches[1].path}. */
public final class Paths {

    private Paths() {
    }

    public static String field(String parent, String field) {
        return parent.isEmpty() ? field : parent + "." + field;
    }

    /** A map entry: {@code labels.version}, or {@code labels["app.kubernetes.io/name"]} when the key is not a plain word. */
    public static String key(String parent, String key) {
        return key.matches("[A-Za-z0-9_][A-Za-z0-9_-]*") ? field(parent, key) : parent + "[\"" + key + "\"]";
    }

    public static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }
}
