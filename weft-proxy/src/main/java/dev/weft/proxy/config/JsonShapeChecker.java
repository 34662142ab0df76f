package dev.weft.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a JSON tree against the proto descriptors before {@link JsonFormat} sees it, so that an
 * unknown or misspelt field, a wrongly typed value or an unsupported extension is reported with its
 * field path (JsonFormat's own errors carry none). Field names are accepted in snake_case and
 * lowerCamelCase, as JsonFormat accepts them; paths are always written with the proto (snake_case)
 * names. Immutable and thread-safe.
 */
final class JsonShapeChecker {
    private static final String TYPE_KEY = "@type";

    private final Map<String, Descriptor> anyTypes;
    private final Map<String, Map<String, Set<String>>> extensionPoints;
    /** Full names of the Any types without fields: an extension configured by one may omit typed_config. */
    private final Set<String> emptyConfig;
    private final Map<Descriptor, Map<String, FieldDescriptor>> fieldsByJsonKey = new ConcurrentHashMap<>();

    /**
     * @param anyTypes        the types an Any may hold, by full name
     * @param extensionPoints see {@link BootstrapFields#extensionPoints()}
     */
    JsonShapeChecker(Map<String, Descriptor> anyTypes, Map<String, Map<String, Set<String>>> extensionPoints) {
        this.anyTypes = Map.copyOf(anyTypes);
        this.extensionPoints = Map.copyOf(extensionPoints);
        this.emptyConfig = anyTypes.entrySet().stream()
                .filter(e -> e.getValue().getFields().isEmpty())
                .map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Checks that {@code root} is a well-formed JSON encoding of {@code type}. */
    void check(JsonNode root, Descriptor type) throws ConfigException {
        message(root, type, "", false);
    }

    private void message(JsonNode node, Descriptor type, String path, boolean skipTypeKey) throws ConfigException {
        if (type.getFullName().equals(Any.getDescriptor().getFullName())) {
            any(node, path);
            return;
        }
        if (!node.isObject()) {
            throw new ConfigException(path, "expected an object (" + type.getName() + "), got " + describe(node));
        }
        Map<String, Set<String>> extensions = extensionPoints.get(type.getFullName());
        if (extensions != null) {
            extension(node, extensions, path);
        }
        Map<FieldDescriptor, String> seen = new HashMap<>();
        Map<OneofDescriptor, FieldDescriptor> oneofs = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = e.getKey();
            if (skipTypeKey && key.equals(TYPE_KEY)) {
                continue;
            }
            FieldDescriptor field = fields(type).get(key);
            if (field == null) {
                throw new ConfigException(join(path, key), unknownField(type, key));
            }
            String fieldPath = join(path, field.getName());
            String earlier = seen.put(field, key);
            if (earlier != null) {
                throw new ConfigException(fieldPath, "is set twice (as " + earlier + " and " + key + ")");
            }
            if (e.getValue().isNull()) {
                continue;
            }
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                FieldDescriptor other = oneofs.putIfAbsent(oneof, field);
                if (other != null) {
                    throw new ConfigException(fieldPath, "cannot be set together with " + other.getName()
                            + " (only one of " + oneofFieldNames(oneof) + ")");
                }
            }
            field(e.getValue(), field, fieldPath);
        }
    }

    private void field(JsonNode value, FieldDescriptor field, String path) throws ConfigException {
        if (field.isMapField()) {
            if (!value.isObject()) {
                throw new ConfigException(path, "expected an object (a map), got " + describe(value));
            }
            FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                String entryPath = path + "[\"" + e.getKey() + "\"]";
                if (isWalkedMessage(valueField)) {
                    message(e.getValue(), valueField.getMessageType(), entryPath, false);
                } else {
                    ObjectNode single = JsonNodeFactory.instance.objectNode();
                    single.putObject(field.getName()).set(e.getKey(), e.getValue());
                    leaf(single, field.getContainingType(), entryPath);
                }
            }
        } else if (field.isRepeated()) {
            if (!value.isArray()) {
                throw new ConfigException(path, "expected a list, got " + describe(value));
            }
            for (int i = 0; i < value.size(); i++) {
                JsonNode element = value.get(i);
                String elementPath = path + "[" + i + "]";
                if (element.isNull()) {
                    throw new ConfigException(elementPath, "must not be null");
                }
                if (isWalkedMessage(field)) {
                    message(element, field.getMessageType(), elementPath, false);
                } else {
                    ObjectNode single = JsonNodeFactory.instance.objectNode();
                    single.putArray(field.getName()).add(element);
                    leaf(single, field.getContainingType(), elementPath);
                }
            }
        } else if (isWalkedMessage(field)) {
            message(value, field.getMessageType(), path, false);
        } else {
            ObjectNode single = JsonNodeFactory.instance.objectNode();
            single.set(field.getName(), value);
            leaf(single, field.getContainingType(), path);
        }
    }

    /** Lets JsonFormat parse the one value, so that its error (if any) gets this path. */
    private static void leaf(ObjectNode single, Descriptor container, String path) throws ConfigException {
        try {
            JsonFormat.parser().merge(single.toString(), DynamicMessage.newBuilder(container));
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ConfigException(path, valueError(e), e);
        }
    }

    private void any(JsonNode node, String path) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(path, "expected an object with \"@type\", got " + describe(node));
        }
        JsonNode typeUrl = node.get(TYPE_KEY);
        if (typeUrl == null || !typeUrl.isTextual()) {
            throw new ConfigException(join(path, TYPE_KEY), "is required");
        }
        String url = typeUrl.asText();
        Descriptor type = anyTypes.get(url.substring(url.lastIndexOf('/') + 1));
        if (type == null) {
            throw new ConfigException(join(path, TYPE_KEY),
                    url + " is not supported by Weft (see docs/envoy-compat.md)");
        }
        message(node, type, path, true);
    }

    /**
     * A filter or transport socket: its name must be one Weft implements and its typed_config one
     * that name accepts. Checked before descending so an unsupported extension is reported by its
     * name rather than by its config type.
     */
    private void extension(JsonNode node, Map<String, Set<String>> supported, String path)
            throws ConfigException {
        JsonNode name = node.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new ConfigException(join(path, "name"), "is required");
        }
        JsonNode config = node.has("typed_config") ? node.get("typed_config") : node.get("typedConfig");
        JsonNode typeUrl = config == null ? null : config.get(TYPE_KEY);
        Set<String> types = supported.get(name.asText());
        if (types == null) {
            // Where any name is accepted, the typed_config's type picks the extension (Envoy's lookup by type).
            Set<String> anyName = supported.get(BootstrapFields.ANY_NAME);
            if (anyName != null && typeUrl != null && typeUrl.isTextual() && anyName.contains(typeName(typeUrl.asText()))) {
                return;
            }
            TreeSet<String> names = new TreeSet<>(supported.keySet());
            names.remove(BootstrapFields.ANY_NAME);
            throw new ConfigException(join(path, "name"), name.asText()
                    + " is not supported by Weft (supported: " + String.join(", ", names) + ")");
        }
        if (config == null || config.isNull()) {
            if (!emptyConfig.containsAll(types)) {
                throw new ConfigException(join(path, "typed_config"), "is required for " + name.asText());
            }
            // an extension whose config has no fields (raw_buffer) may leave it out, as Envoy allows
            return;
        }
        if (typeUrl != null && typeUrl.isTextual()) {
            String url = typeUrl.asText();
            if (!types.contains(typeName(url))) {
                throw new ConfigException(join(join(path, "typed_config"), TYPE_KEY), url
                        + " does not configure " + name.asText() + " (expected " + String.join(" or ", new TreeSet<>(types)) + ")");
            }
        }
    }

    private static String typeName(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    }

    /** Message fields other than the well-known types (which JsonFormat maps to strings, numbers...) are walked. */
    private static boolean isWalkedMessage(FieldDescriptor field) {
        if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            return false;
        }
        Descriptor type = field.getMessageType();
        return type.getFullName().equals(Any.getDescriptor().getFullName()) || !SubsetChecker.isWellKnown(type);
    }

    private Map<String, FieldDescriptor> fields(Descriptor type) {
        return fieldsByJsonKey.computeIfAbsent(type, t -> {
            Map<String, FieldDescriptor> m = new HashMap<>();
            for (FieldDescriptor f : t.getFields()) {
                m.put(f.getName(), f);
                m.put(f.getJsonName(), f);
            }
            return Map.copyOf(m);
        });
    }

    private static String unknownField(Descriptor type, String key) {
        String reason = "unknown field of " + type.getFullName();
        String closest = null;
        int best = 3;
        for (FieldDescriptor f : type.getFields()) {
            for (String candidate : new String[] {f.getName(), f.getJsonName()}) {
                int d = editDistance(key, candidate);
                if (d < best) {
                    best = d;
                    closest = f.getName();
                }
            }
        }
        return closest == null ? reason : reason + " (did you mean " + closest + "?)";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String oneofFieldNames(OneofDescriptor oneof) {
        StringBuilder sb = new StringBuilder();
        for (FieldDescriptor f : oneof.getFields()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(f.getName());
        }
        return sb.toString();
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "the string \"" + node.asText() + "\"";
            case NUMBER, BOOLEAN -> node.toString();
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** JsonFormat's message for a bad value, with its Java exception noise removed. */
    static String valueError(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace("com.google.protobuf.InvalidProtocolBufferException: ", "");
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
