package dev.weft.api;

/**
 * One thing wrong with the resources given: where (source file or name, 1-based document number, the resource as
 * "HTTPRoute default/reviews", the field path) and what. Parts that are unknown are null (source, resource), 0
 * (document) or "" (path).
 */
public record ResourceProblem(String source, int document, String resource, String path, String message) {

    /** E.g. {@code routes.yaml (document 2, HTTPRoute default/reviews): spec.rules[0].backendRefs[1].weight: must be between 0 and 1000000, got -5}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        String where = document > 0 ? "document " + document : "";
        if (resource != null) {
            where = where.isEmpty() ? resource : where + ", " + resource;
        }
        if (source != null) {
            text.append(source);
            if (!where.isEmpty()) {
                text.append(" (").append(where).append(')');
            }
        } else {
            text.append(where);
        }
        if (!path.isEmpty()) {
            text.append(text.length() > 0 ? ": " : "").append(path);
        }
        return text.append(text.length() > 0 ? ": " : "").append(message).toString();
    }
}
