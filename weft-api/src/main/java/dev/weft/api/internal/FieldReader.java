package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one JSON/YAML object field by field. Problems (unknown fields, wrong types, missing or out-of-range
 * values) are recorded with their field path instead of thrown, so a document reports every problem at once;
 * a field with a problem reads as absent.
 */
public final class FieldReader {

    private final JsonNode node;
    private final String path;
    private final Problems problems;
    private final Set<String> fields;

    private FieldReader(JsonNode node, String path, Problems problems, Set<String> fields) {
        this.node = node;
        this.path = path;
        this.problems = problems;
        this.fields = fields;
    }

    /** A reader of {@code node} (at {@code path}) that accepts exactly {@code fields}; any other field is reported. */
    public static FieldReader of(JsonNode node, String path, Problems problems, String... fields) {
        return of(node, path, problems, List.of(fields), Map.of());
    }

    /**
     * Like {@link #of(JsonNode, String, Problems, String...)}, where each field of {@code unsupported} is a known name
     * that is not implemented yet and is reported with its message when present.
     */
    public static FieldReader of(JsonNode node, String path, Problems problems, List<String> fields,
                                  Map<String, String> unsupported) {
        Set<String> known = Set.copyOf(fields);
        if (!node.isObject()) {
            problems.add(path, "must be an object, got " + describe(node));
            return new FieldReader(null, path, problems, known);
        }
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String name = property.getKey();
            if (unsupported.containsKey(name)) {
                problems.add(Paths.field(path, name), unsupported.get(name));
            } else if (!known.contains(name)) {
                problems.add(Paths.field(path, name), "unknown field; expected one of: " + String.join(", ",
                        fields.stream().filter(f -> !unsupported.containsKey(f)).toList()));
            }
        }
        return new FieldReader(node, path, problems, known);
    }

    public String path() {
        return path;
    }

    public String path(String field) {
        return Paths.field(path, field);
    }

    public Problems problems() {
        return problems;
    }

    /** Records a problem at {@code field} of this object. */
    public void error(String field, String message) {
        problems.add(path(field), message);
    }

    /** Records a problem at this object itself. */
    public void error(String message) {
        problems.add(path, message);
    }

    /** Whether the field is present with a non-null value (YAML {@code field:} with nothing after it reads as absent). */
    public boolean has(String field) {
        return raw(field) != null;
    }

    /** The field's value, or null when absent or null. */
    public JsonNode raw(String field) {
        if (!fields.contains(field)) {
            throw new IllegalArgumentException("field " + field + " is not declared for " + path);
        }
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value;
    }

    public String string(String field) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            error(field, "must be a string, got " + describe(value));
            return null;
        }
        return value.textValue();
    }

    public String requiredString(String field) {
        if (!has(field)) {
            required(field);
            return null;
        }
        return string(field);
    }

    /** An integer in {@code [min, max]}, or null when absent or invalid. */
    public Integer integer(String field, long min, long max) {
        Long value = longInteger(field, min, Math.min(max, Integer.MAX_VALUE));
        return value == null ? null : value.intValue();
    }

    /** A long integer in {@code [min, max]}, or null when absent or invalid. */
    public Long longInteger(String field, long min, long max) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber()) {
            error(field, "must be an integer, got " + describe(value));
            return null;
        }
        BigInteger n = value.bigIntegerValue();
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            error(field, rangeMessage(min, max, n.toString()));
            return null;
        }
        return n.longValue();
    }

    public int integer(String field, long min, long max, int defaultValue) {
        Integer value = integer(field, min, max);
        return value == null ? defaultValue : value;
    }

    public Integer requiredInteger(String field, long min, long max) {
        if (!has(field)) {
            required(field);
            return null;
        }
        return integer(field, min, max);
    }

    /** A finite number (integer or decimal) in {@code [min, max]}, or null when absent or invalid. */
    public Double number(String field, double min, double max) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            error(field, "must be a number, got " + describe(value));
            return null;
        }
        double n = value.doubleValue();
        if (n < min || n > max) {
            error(field, "must be between " + format(min) + " and " + format(max) + ", got " + value.asText());
            return null;
        }
        return n;
    }

    private static String format(double n) {
        return n == Math.rint(n) ? Long.toString((long) n) : Double.toString(n);
    }

    public Boolean bool(String field) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        if (!value.isBoolean()) {
            error(field, "must be true or false, got " + describe(value));
            return null;
        }
        return value.booleanValue();
    }

    /** A Gateway API duration (GEP-2257), or null when absent or invalid. */
    public Duration duration(String field) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        Duration parsed = value.isTextual() ? Durations.parse(value.textValue()) : null;
        if (parsed == null) {
            error(field, Durations.FORMAT_MESSAGE + ", got " + describe(value));
        }
        return parsed;
    }

    /** One of {@code values}, spelled in YAML as {@code wire} gives it; null when absent or invalid. */
    public <E extends Enum<E>> E enumeration(String field, E[] values, Function<E, String> wire) {
        String text = string(field);
        if (text == null) {
            return null;
        }
        for (E value : values) {
            if (wire.apply(value).equals(text)) {
                return value;
            }
        }
        error(field, "must be one of " + String.join(", ", Arrays.stream(values).map(wire).toList())
                + ", got \"" + text + "\"");
        return null;
    }

    /** The nested object reader, or null when the field is absent or not an object. */
    public FieldReader object(String field, String... nestedFields) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        FieldReader reader = of(value, path(field), problems, nestedFields);
        return reader.node == null ? null : reader;
    }

    public FieldReader requiredObject(String field, String... nestedFields) {
        if (!has(field)) {
            required(field);
            return null;
        }
        return object(field, nestedFields);
    }

    /** A list of objects, each read by {@code reader}; empty when absent. Elements that are not objects are reported and skipped. */
    public <T> List<T> objects(String field, int maxItems, String[] elementFields, Function<FieldReader, T> reader) {
        JsonNode list = list(field, maxItems);
        if (list == null) {
            return List.of();
        }
        List<T> result = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            FieldReader element = of(list.get(i), Paths.index(path(field), i), problems, elementFields);
            if (element.node != null) {
                T value = reader.apply(element);
                if (value != null) {
                    result.add(value);
                }
            }
        }
        return Collections.unmodifiableList(result);
    }

    /**
     * A list of strings, each checked by {@code format} (a {@link Formats} check: null when valid, else the
     * message); empty when absent. Invalid elements are reported at their index and left out.
     */
    public List<String> strings(String field, int maxItems, Function<String, String> format) {
        JsonNode list = list(field, maxItems);
        if (list == null) {
            return List.of();
        }
        List<String> result = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode element = list.get(i);
            String problem = element.isTextual() ? format.apply(element.textValue())
                    : "must be a string, got " + describe(element);
            if (problem == null) {
                result.add(element.textValue());
            } else {
                problems.add(Paths.index(path(field), i), problem);
            }
        }
        return Collections.unmodifiableList(result);
    }

    /** A list of integers in {@code [min, max]}; empty when absent; invalid elements are reported and skipped. */
    public List<Integer> integers(String field, int maxItems, long min, long max) {
        JsonNode list = list(field, maxItems);
        if (list == null) {
            return List.of();
        }
        List<Integer> result = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode element = list.get(i);
            String elementPath = Paths.index(path(field), i);
            if (!element.isIntegralNumber()) {
                problems.add(elementPath, "must be an integer, got " + describe(element));
                continue;
            }
            BigInteger n = element.bigIntegerValue();
            if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
                problems.add(elementPath, rangeMessage(min, max, n.toString()));
                continue;
            }
            result.add(n.intValue());
        }
        return Collections.unmodifiableList(result);
    }

    /** A map of string to string (labels, annotations); empty when absent. */
    public Map<String, String> stringMap(String field) {
        JsonNode value = raw(field);
        if (value == null) {
            return Map.of();
        }
        if (!value.isObject()) {
            error(field, "must be a map of strings, got " + describe(value));
            return Map.of();
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            if (entry.getValue().isTextual()) {
                result.put(entry.getKey(), entry.getValue().textValue());
            } else {
                problems.add(Paths.key(path(field), entry.getKey()),
                        "must be a string, got " + describe(entry.getValue()) + " (quote it)");
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /** Labels: a string map whose keys are qualified names and whose values are label values. */
    public Map<String, String> labels(String field) {
        Map<String, String> labels = stringMap(field);
        labels.forEach((key, value) -> {
            String problem = Formats.labelKey(key);
            if (problem == null) {
                problem = Formats.labelValue(value);
            }
            if (problem != null) {
                problems.add(Paths.key(path(field), key), problem);
            }
        });
        return labels;
    }

    private JsonNode list(String field, int maxItems) {
        JsonNode value = raw(field);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            error(field, "must be a list, got " + describe(value));
            return null;
        }
        if (value.size() > maxItems) {
            error(field, "must have at most " + maxItems + " items, got " + value.size());
            return null;
        }
        return value;
    }

    /** Whether the field is absent from a valid object; when the object itself is invalid, that is already reported. */
    public boolean missing(String field) {
        return node != null && raw(field) == null;
    }

    private void required(String field) {
        if (node != null) {
            error(field, "is required");
        }
    }

    /** The message for a value outside {@code [min, max]}. */
    public static String rangeMessage(long min, long max, String got) {
        if (max == Integer.MAX_VALUE) {
            return "must be at least " + min + ", got " + got;
        }
        return "must be between " + min + " and " + max + ", got " + got;
    }

    /** How a value is named in a message: its type, and for scalars the value itself. */
    public static String describe(JsonNode value) {
        if (value.isTextual()) {
            return "string \"" + value.textValue() + "\"";
        }
        if (value.isNumber()) {
            return "number " + value.asText();
        }
        if (value.isBoolean()) {
            return "boolean " + value.asText();
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "an object";
        }
        return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
