package dev.weft.api.security;

import java.util.List;
import java.util.Optional;

/**
 * A {@code when} condition of a rule: the attribute {@code key} names has one of {@code values} (when set) and none
 * of {@code notValues} (when set). Keys: {@code request.headers[<name>]}, {@code source.principal},
 * {@code source.namespace}, {@code source.ip} and {@code destination.port}; values are written as the matching
 * {@link Source} or {@link Operation} field's are (header values may be {@link Wildcard}s).
 */
public record Condition(String key, List<String> values, List<String> notValues) {

    /** The attributes a condition may test. */
    public enum Attribute {
        REQUEST_HEADER("request.headers[<name>]"),
        SOURCE_PRINCIPAL("source.principal"),
        SOURCE_NAMESPACE("source.namespace"),
        SOURCE_IP("source.ip"),
        DESTINATION_PORT("destination.port");

        private final String key;

        Attribute(String key) {
            this.key = key;
        }

        /** The key as written, {@code request.headers[<name>]} for a header. */
        public String key() {
            return key;
        }
    }

    private static final String HEADER_PREFIX = "request.headers[";

    public Condition {
        values = Source.copy(values);
        notValues = Source.copy(notValues);
    }

    /** The attribute a key names, or empty when it names none. A header key's name is not checked here. */
    public static Optional<Attribute> attributeOf(String key) {
        if (key.startsWith(HEADER_PREFIX) && key.endsWith("]") && key.length() > HEADER_PREFIX.length() + 1) {
            return Optional.of(Attribute.REQUEST_HEADER);
        }
        for (Attribute attribute : Attribute.values()) {
            if (attribute != Attribute.REQUEST_HEADER && attribute.key.equals(key)) {
                return Optional.of(attribute);
            }
        }
        return Optional.empty();
    }

    /** The attribute of this condition's key; the codec accepts no other key. */
    public Attribute attribute() {
        return attributeOf(key).orElseThrow(() -> new IllegalStateException("unknown condition key " + key));
    }

    /** The header a {@code request.headers[<name>]} key names, or null for another key. */
    public String headerName() {
        return attribute() == Attribute.REQUEST_HEADER ? key.substring(HEADER_PREFIX.length(), key.length() - 1) : null;
    }
}
