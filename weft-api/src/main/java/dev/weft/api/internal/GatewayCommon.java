package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.gateway.BackendObjectRef;
import dev.weft.api.gateway.Fraction;
import dev.weft.api.gateway.HeaderMatch;
import dev.weft.api.gateway.HeaderModifier;
import dev.weft.api.gateway.HttpHeader;
import dev.weft.api.gateway.MatchType;
import dev.weft.api.gateway.ParentRef;
import dev.weft.api.gateway.RequestHeaderModifier;
import dev.weft.api.gateway.RequestMirror;
import dev.weft.api.gateway.ResponseHeaderModifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The parts HTTPRoute and GRPCRoute share: parentRefs, hostnames, backend references, header matches and the common filters. */
final class GatewayCommon {

    static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
    static final int MAX_WEIGHT = 1_000_000;

    static final String[] BACKEND_OBJECT_REF_FIELDS = {"group", "kind", "name", "namespace", "port"};
    /** An HTTPRoute or GRPCRoute backendRef: a backend object ref plus its weight and own filters. */
    static final String[] BACKEND_REF_FIELDS = {"group", "kind", "name", "namespace", "port", "weight", "filters"};
    private static final String[] PARENT_REF_FIELDS = {"group", "kind", "namespace", "name", "sectionName", "port"};
    private static final String[] HEADER_MATCH_FIELDS = {"type", "name", "value"};
    private static final String[] HEADER_FIELDS = {"name", "value"};

    private GatewayCommon() {
    }

    // ---- parentRefs and hostnames

    static List<ParentRef> parentRefs(FieldReader spec) {
        List<ParentRef> refs = spec.objects("parentRefs", 32, PARENT_REF_FIELDS, GatewayCommon::parentRef);
        JsonNode raw = spec.raw("parentRefs");
        if (spec.missing("parentRefs") || (raw != null && raw.isArray() && raw.isEmpty())) {
            spec.error("parentRefs", "is required: at least one Service whose traffic the route configures");
        }
        for (int j = 0; j < refs.size(); j++) {
            int i = refs.subList(0, j).indexOf(refs.get(j));
            if (i >= 0) {
                spec.problems().add(Paths.index(spec.path("parentRefs"), j),
                        "duplicate of parentRefs[" + i + "]; refs to one Service must differ in sectionName or port");
            }
        }
        return refs;
    }

    private static ParentRef parentRef(FieldReader r) {
        String group = r.string("group");
        String kind = r.string("kind");
        if (!r.has("group") && !r.has("kind")) {
            r.error("must set group: \"\" and kind: Service; Weft routes attach to Services (GAMMA), "
                    + "and a parentRef without them means a Gateway");
        } else {
            if (kind != null && !kind.equals(BackendObjectRef.SERVICE_KIND) || !r.has("kind")) {
                r.error("kind", "must be Service (Weft routes attach to Services, GAMMA), got \""
                        + (kind == null ? "Gateway\" (the default)" : kind + "\""));
            }
            if (group != null && !isCoreGroup(group) || !r.has("group")) {
                r.error("group", "must be \"\" (or \"core\") for a Service, got \""
                        + (group == null ? GATEWAY_GROUP + "\" (the default)" : group + "\""));
            }
        }
        String namespace = namespace(r, "namespace");
        String name = objectName(r, "name");
        String sectionName = r.string("sectionName");
        check(r, "sectionName", sectionName, Formats::objectName);
        Integer port = r.integer("port", 1, 65535);
        return new ParentRef(BackendObjectRef.CORE_GROUP, BackendObjectRef.SERVICE_KIND, namespace, name,
                sectionName, port);
    }

    static ObjectNode writeParentRef(ParentRef ref) {
        ObjectNode node = Json.object();
        node.put("group", ref.group());
        node.put("kind", ref.kind());
        Json.put(node, "namespace", ref.namespace());
        node.put("name", ref.name());
        Json.put(node, "sectionName", ref.sectionName());
        Json.put(node, "port", ref.port());
        return node;
    }

    static List<String> hostnames(FieldReader spec) {
        return spec.strings("hostnames", 16, h -> Formats.hostname(h, true));
    }

    // ---- backend references

    /** Reads group, kind, name, namespace and port of a backend reference: a Service, or a Weft Subset. */
    static BackendObjectRef backendObjectRef(FieldReader r) {
        String group = r.string("group");
        String kind = r.string("kind");
        group = group == null || isCoreGroup(group) ? BackendObjectRef.CORE_GROUP : group;
        kind = kind == null ? BackendObjectRef.SERVICE_KIND : kind;
        if (kind.equals(BackendObjectRef.SERVICE_KIND)) {
            if (!group.isEmpty()) {
                r.error("group", "must be \"\" (or \"core\") for a Service, got \"" + group + "\"");
            }
        } else if (kind.equals(BackendObjectRef.SUBSET_KIND)) {
            if (!group.equals(BackendObjectRef.WEFT_GROUP)) {
                r.error("group", "must be weft.dev for a Subset, got \"" + group + "\"");
            }
        } else {
            r.error("kind", "must be Service, or Subset with group weft.dev, got \"" + kind + "\"");
        }
        String name = objectName(r, "name");
        String namespace = namespace(r, "namespace");
        Integer port = r.requiredInteger("port", 1, 65535);
        return new BackendObjectRef(group, kind, name, namespace, port == null ? 0 : port);
    }

    static ObjectNode writeBackendObjectRef(String group, String kind, String name, String namespace, int port) {
        ObjectNode node = Json.object();
        if (!group.equals(BackendObjectRef.CORE_GROUP)) {
            node.put("group", group);
        }
        if (!kind.equals(BackendObjectRef.SERVICE_KIND)) {
            node.put("kind", kind);
        }
        node.put("name", name);
        Json.put(node, "namespace", namespace);
        node.put("port", port);
        return node;
    }

    static ObjectNode writeBackendObjectRef(BackendObjectRef ref) {
        return writeBackendObjectRef(ref.group(), ref.kind(), ref.name(), ref.namespace(), ref.port());
    }

    static int weight(FieldReader r) {
        return r.integer("weight", 0, MAX_WEIGHT, 1);
    }

    // ---- header matches

    /** Header matches (HTTP and gRPC); names are compared case-insensitively, and each appears once. */
    static List<HeaderMatch> headerMatches(FieldReader match) {
        List<HeaderMatch> headers = match.objects("headers", 16, HEADER_MATCH_FIELDS, h -> {
            MatchType type = matchType(h);
            String name = h.requiredString("name");
            check(h, "name", name, Formats::headerName);
            String value = h.requiredString("value");
            if (value != null) {
                check(h, "value", value, type == MatchType.REGULAR_EXPRESSION
                        ? v -> v.length() > 4096 ? "must be at most 4096 characters" : Formats.regex(v)
                        : v -> Formats.headerValue(v, 4096));
            }
            return new HeaderMatch(type, name, value);
        });
        rejectDuplicateNames(match, "headers", headers, HeaderMatch::name, true);
        return headers;
    }

    static ObjectNode writeHeaderMatch(HeaderMatch match) {
        ObjectNode node = Json.object();
        node.put("type", match.type().wireName());
        node.put("name", match.name());
        node.put("value", match.value());
        return node;
    }

    static MatchType matchType(FieldReader r) {
        MatchType type = r.enumeration("type", MatchType.values(), MatchType::wireName);
        return type == null ? MatchType.EXACT : type;
    }

    /** Reports an element of {@code list} whose name repeats an earlier one's. */
    static <T> void rejectDuplicateNames(FieldReader parent, String list, List<T> items, Function<T, String> name,
                                         boolean caseInsensitive) {
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < items.size(); j++) {
            String n = name.apply(items.get(j));
            if (n == null) {
                continue;
            }
            Integer i = seen.putIfAbsent(caseInsensitive ? n.toLowerCase(Locale.ROOT) : n, j);
            if (i != null) {
                parent.problems().add(Paths.field(Paths.index(parent.path(list), j), "name"),
                        "duplicate name \"" + n + "\" (also " + list + "[" + i + "])");
            }
        }
    }

    // ---- filters shared by HTTPRoute and GRPCRoute

    /** The filter configuration fields by filter type, for one route kind. */
    record FilterTypes(Map<String, String> configFieldByType, List<String> notSupported) {

        String[] fields() {
            List<String> fields = new ArrayList<>();
            fields.add("type");
            fields.addAll(configFieldByType.values());
            return fields.toArray(String[]::new);
        }
    }

    static FilterTypes filterTypes(String... typeAndField) {
        Map<String, String> byType = new LinkedHashMap<>();
        for (int i = 0; i < typeAndField.length; i += 2) {
            byType.put(typeAndField[i], typeAndField[i + 1]);
        }
        return new FilterTypes(byType, List.of("ExtensionRef", "CORS", "ExternalAuth"));
    }

    /**
     * Checks a filter's {@code type} against its configuration fields: exactly the one matching the type is set.
     * Returns the type when the filter can be read further, otherwise null.
     */
    static String filterType(FieldReader filter, FilterTypes types) {
        String type = filter.requiredString("type");
        if (type == null) {
            return null;
        }
        String configField = types.configFieldByType().get(type);
        if (configField == null) {
            String supported = String.join(", ", types.configFieldByType().keySet());
            filter.error("type", types.notSupported().contains(type)
                    ? "filter type \"" + type + "\" is not supported; supported: " + supported
                    : "must be one of " + supported + ", got \"" + type + "\"");
            return null;
        }
        for (String other : types.configFieldByType().values()) {
            if (!other.equals(configField) && filter.has(other)) {
                filter.error(other, "must not be set when type is " + type);
            }
        }
        if (!filter.has(configField)) {
            filter.error(configField, "is required when type is " + type);
            return null;
        }
        return type;
    }

    /** Reports a filter type that appears more than once in a list where it may appear once. */
    static void rejectRepeated(FieldReader parent, String list, List<String> types, List<String> onceOnly) {
        for (int j = 0; j < types.size(); j++) {
            String type = types.get(j);
            if (type != null && onceOnly.contains(type) && types.subList(0, j).contains(type)) {
                parent.problems().add(Paths.field(Paths.index(parent.path(list), j), "type"),
                        type + " may appear only once in a filter list (first at " + list + "["
                                + types.indexOf(type) + "])");
            }
        }
    }

    private static final String[] HEADER_MODIFIER_FIELDS = {"set", "add", "remove"};

    static RequestHeaderModifier requestHeaderModifier(FieldReader filter) {
        FieldReader m = filter.object("requestHeaderModifier", HEADER_MODIFIER_FIELDS);
        return m == null ? null : new RequestHeaderModifier(headers(m, "set"), headers(m, "add"), removals(m));
    }

    static ResponseHeaderModifier responseHeaderModifier(FieldReader filter) {
        FieldReader m = filter.object("responseHeaderModifier", HEADER_MODIFIER_FIELDS);
        return m == null ? null : new ResponseHeaderModifier(headers(m, "set"), headers(m, "add"), removals(m));
    }

    private static List<HttpHeader> headers(FieldReader modifier, String field) {
        return modifier.objects(field, 16, HEADER_FIELDS, h -> {
            String name = h.requiredString("name");
            check(h, "name", name, Formats::headerName);
            String value = h.requiredString("value");
            check(h, "value", value, v -> Formats.headerValue(v, 4096));
            return new HttpHeader(name, value);
        });
    }

    /** Reads {@code remove}, the last of a modifier's fields, then checks the one-action-per-header rule. */
    private static List<String> removals(FieldReader modifier) {
        List<String> names = modifier.strings("remove", 16, Formats::headerName);
        oneActionPerHeader(modifier);
        return names;
    }

    /** Gateway API allows one action per header name (case-insensitive) across set, add and remove. */
    private static void oneActionPerHeader(FieldReader modifier) {
        Map<String, String> firstAction = new HashMap<>();
        for (String field : HEADER_MODIFIER_FIELDS) {
            JsonNode list = modifier.raw(field);
            if (list == null || !list.isArray()) {
                continue;
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode name = field.equals("remove") ? list.get(i) : list.get(i).get("name");
                if (name == null || !name.isTextual()) {
                    continue;
                }
                String at = field + "[" + i + "]";
                String previous = firstAction.putIfAbsent(name.textValue().toLowerCase(Locale.ROOT), at);
                if (previous != null) {
                    modifier.problems().add(modifier.path(at), "header \"" + name.textValue()
                            + "\" already has an action at " + previous + "; each header name may have one action");
                }
            }
        }
    }

    static ObjectNode writeHeaderModifier(HeaderModifier modifier) {
        ObjectNode node = Json.object();
        Json.putList(node, "set", modifier.set(), GatewayCommon::writeHeader);
        Json.putList(node, "add", modifier.add(), GatewayCommon::writeHeader);
        Json.putStrings(node, "remove", modifier.remove());
        return node;
    }

    private static ObjectNode writeHeader(HttpHeader header) {
        ObjectNode node = Json.object();
        node.put("name", header.name());
        node.put("value", header.value());
        return node;
    }

    static RequestMirror requestMirror(FieldReader filter) {
        FieldReader m = filter.object("requestMirror", "backendRef", "percent", "fraction");
        if (m == null) {
            return null;
        }
        FieldReader ref = m.requiredObject("backendRef", BACKEND_OBJECT_REF_FIELDS);
        BackendObjectRef backend = ref == null ? null : backendObjectRef(ref);
        Integer percent = m.integer("percent", 0, 100);
        Fraction fraction = null;
        FieldReader f = m.object("fraction", "numerator", "denominator");
        if (f != null) {
            if (m.has("percent")) {
                m.error("fraction", "must not be set together with percent");
            }
            Integer numerator = f.requiredInteger("numerator", 0, Integer.MAX_VALUE);
            int denominator = f.integer("denominator", 1, Integer.MAX_VALUE, 100);
            if (numerator != null && numerator > denominator) {
                f.error("numerator", "must be at most the denominator (" + denominator + "), got " + numerator);
            }
            fraction = numerator == null ? null : new Fraction(numerator, denominator);
        }
        if (fraction == null) {
            fraction = percent == null ? Fraction.ALL : Fraction.percent(percent);
        }
        return new RequestMirror(backend, fraction);
    }

    static ObjectNode writeRequestMirror(RequestMirror mirror) {
        ObjectNode node = Json.object();
        node.set("backendRef", writeBackendObjectRef(mirror.backendRef()));
        Fraction fraction = mirror.fraction();
        if (fraction.denominator() == 100) {
            node.put("percent", fraction.numerator());
        } else {
            ObjectNode f = node.putObject("fraction");
            f.put("numerator", fraction.numerator());
            f.put("denominator", fraction.denominator());
        }
        return node;
    }

    // ---- small helpers

    static boolean isCoreGroup(String group) {
        return group.isEmpty() || group.equals("core");
    }

    static String objectName(FieldReader r, String field) {
        String name = r.requiredString(field);
        check(r, field, name, Formats::objectName);
        return name;
    }

    static String namespace(FieldReader r, String field) {
        String namespace = r.string(field);
        check(r, field, namespace, Formats::label);
        return namespace;
    }

    /** Applies a {@link Formats} check to a value that was read (null: nothing to check). */
    static void check(FieldReader r, String field, String value, Function<String, String> format) {
        if (value != null) {
            String problem = format.apply(value);
            if (problem != null) {
                r.error(field, problem);
            }
        }
    }
}
