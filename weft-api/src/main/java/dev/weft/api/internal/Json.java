package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Builds the JSON tree a resource is written as; unset (null or empty) values are left out, as Kubernetes does. */
public final class Json {

    private static final JsonNodeFactory FACTORY = JsonNodeFactory.instance;

    private Json() {
    }

    public static ObjectNode object() {
        return FACTORY.objectNode();
    }

    public static ArrayNode array() {
        return FACTORY.arrayNode();
    }

    public static void put(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    public static void put(ObjectNode node, String field, Integer value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    public static void put(ObjectNode node, String field, Long value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    public static void put(ObjectNode node, String field, Boolean value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    public static void put(ObjectNode node, String field, Duration value) {
        if (value != null) {
            node.put(field, Durations.format(value));
        }
    }

    public static void put(ObjectNode node, String field, JsonNode value) {
        if (value != null) {
            node.set(field, value);
        }
    }

    public static <T> void putList(ObjectNode node, String field, List<T> items, Function<T, JsonNode> writer) {
        if (!items.isEmpty()) {
            ArrayNode array = node.putArray(field);
            items.forEach(item -> array.add(writer.apply(item)));
        }
    }

    public static void putStrings(ObjectNode node, String field, List<String> items) {
        putList(node, field, items, FACTORY::textNode);
    }

    public static void putIntegers(ObjectNode node, String field, List<Integer> items) {
        putList(node, field, items, FACTORY::numberNode);
    }

    public static void putMap(ObjectNode node, String field, Map<String, String> map) {
        if (!map.isEmpty()) {
            ObjectNode object = node.putObject(field);
            map.forEach(object::put);
        }
    }
}
