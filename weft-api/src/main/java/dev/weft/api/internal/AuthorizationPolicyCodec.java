package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.security.AuthorizationAction;
import dev.weft.api.security.AuthorizationPolicySpec;
import dev.weft.api.security.AuthorizationRule;
import dev.weft.api.security.Condition;
import dev.weft.api.security.Operation;
import dev.weft.api.security.Source;
import dev.weft.api.security.Wildcard;
import dev.weft.api.security.WorkloadSelector;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and writes {@code AuthorizationPolicy} specs. Every value is checked for what it will be matched against
 * (a SPIFFE ID, a namespace, an address block, an upper-case method, a path), so that a value that could never
 * match, such as Istio's principal form without {@code spiffe://} or a lower-case method, is an error here rather
 * than a rule that silently matches nothing.
 */
public final class AuthorizationPolicyCodec implements SpecCodec<AuthorizationPolicySpec> {

    private static final int MAX_RULES = 128;
    private static final int MAX_CLAUSES = 64;
    private static final int MAX_VALUES = 256;

    private static final String[] SOURCE_FIELDS = {"principals", "notPrincipals", "namespaces", "notNamespaces",
        "ipBlocks", "notIpBlocks"};
    private static final String[] OPERATION_FIELDS = {"hosts", "notHosts", "ports", "notPorts", "methods",
        "notMethods", "paths", "notPaths"};

    private static final String SEGMENT = "[A-Za-z0-9._-]+";
    private static final Pattern SPIFFE_ID =
            Pattern.compile("^spiffe://[a-z0-9._-]+/ns/" + SEGMENT + "/sa/" + SEGMENT + "$");
    private static final Pattern SPIFFE_ID_PREFIX = Pattern.compile("^spiffe://[a-z0-9._-]*(/[A-Za-z0-9._-]*)*$");
    private static final Pattern SPIFFE_ID_SUFFIX = Pattern.compile("^[A-Za-z0-9._/-]+$");
    private static final Pattern NAMESPACE_PART = Pattern.compile("^[a-z0-9-]{1,63}$");
    private static final Pattern IPV4 = Pattern.compile("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$");
    private static final Pattern METHOD = Pattern.compile("^[A-Z]+(-[A-Z]+)*$");
    private static final Pattern PATH_PART = Pattern.compile("^[!-~&&[^?#*]]+$");
    private static final Pattern HOST_PART = Pattern.compile("^[A-Za-z0-9._:\\[\\]-]+$");

    @Override
    public AuthorizationPolicySpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "selector", "action", "rules");
        WorkloadSelector selector = selector(spec);
        AuthorizationAction action = spec.enumeration("action", AuthorizationAction.values(),
                AuthorizationAction::name);
        List<AuthorizationRule> rules = spec.objects("rules", MAX_RULES, new String[] {"from", "to", "when"},
                AuthorizationPolicyCodec::rule);
        return new AuthorizationPolicySpec(selector, action, rules);
    }

    private static WorkloadSelector selector(FieldReader spec) {
        FieldReader s = spec.object("selector", "service", "matchLabels");
        if (s == null) {
            return WorkloadSelector.ALL;
        }
        String service = s.string("service");
        GatewayCommon.check(s, "service", service, Formats::objectName);
        return new WorkloadSelector(service, s.labels("matchLabels"));
    }

    private static AuthorizationRule rule(FieldReader rule) {
        rejectEmpty(rule, "from", "leave it out to match any source");
        List<Source> from = rule.objects("from", MAX_CLAUSES, new String[] {"source"}, f -> {
            FieldReader s = f.requiredObject("source", SOURCE_FIELDS);
            return s == null ? null : source(s);
        });
        rejectEmpty(rule, "to", "leave it out to match any operation");
        List<Operation> to = rule.objects("to", MAX_CLAUSES, new String[] {"operation"}, t -> {
            FieldReader o = t.requiredObject("operation", OPERATION_FIELDS);
            return o == null ? null : operation(o);
        });
        rejectEmpty(rule, "when", "leave it out for no condition");
        List<Condition> when = rule.objects("when", MAX_CLAUSES, new String[] {"key", "values", "notValues"},
                AuthorizationPolicyCodec::condition);
        return new AuthorizationRule(from, to, when);
    }

    private static Source source(FieldReader s) {
        requireOneOf(s, SOURCE_FIELDS);
        return new Source(values(s, "principals", AuthorizationPolicyCodec::principal),
                values(s, "notPrincipals", AuthorizationPolicyCodec::principal),
                values(s, "namespaces", AuthorizationPolicyCodec::namespace),
                values(s, "notNamespaces", AuthorizationPolicyCodec::namespace),
                values(s, "ipBlocks", AuthorizationPolicyCodec::ipBlock),
                values(s, "notIpBlocks", AuthorizationPolicyCodec::ipBlock));
    }

    private static Operation operation(FieldReader o) {
        requireOneOf(o, OPERATION_FIELDS);
        return new Operation(values(o, "hosts", AuthorizationPolicyCodec::host),
                values(o, "notHosts", AuthorizationPolicyCodec::host),
                ports(o, "ports"), ports(o, "notPorts"),
                values(o, "methods", AuthorizationPolicyCodec::method),
                values(o, "notMethods", AuthorizationPolicyCodec::method),
                values(o, "paths", AuthorizationPolicyCodec::path),
                values(o, "notPaths", AuthorizationPolicyCodec::path));
    }

    private static Condition condition(FieldReader c) {
        String key = c.requiredString("key");
        Function<String, String> format = null;
        if (key != null) {
            Condition.Attribute attribute = Condition.attributeOf(key).orElse(null);
            if (attribute == null) {
                c.error("key", "must be one of " + String.join(", ", Arrays.stream(Condition.Attribute.values())
                        .map(Condition.Attribute::key).toList()) + ", got \"" + key + "\"");
            } else {
                format = switch (attribute) {
                    case REQUEST_HEADER -> AuthorizationPolicyCodec::headerValue;
                    case SOURCE_PRINCIPAL -> AuthorizationPolicyCodec::principal;
                    case SOURCE_NAMESPACE -> AuthorizationPolicyCodec::namespace;
                    case SOURCE_IP -> AuthorizationPolicyCodec::ipBlock;
                    case DESTINATION_PORT -> AuthorizationPolicyCodec::port;
                };
                if (attribute == Condition.Attribute.REQUEST_HEADER) {
                    String name = new Condition(key, null, null).headerName();
                    String problem = Formats.headerName(name);
                    if (problem != null) {
                        c.error("key", "header " + problem);
                    }
                }
            }
        }
        // values are checked once the key says what they are; with an unknown key only their shape is
        Function<String, String> check = format == null ? v -> null : format;
        List<String> values = values(c, "values", check);
        List<String> notValues = values(c, "notValues", check);
        if (c.missing("values") && c.missing("notValues")) {
            c.error("must set values, notValues or both");
        }
        return new Condition(key, values, notValues);
    }

    // ---- lists

    /** A list of strings each checked by {@code format}; an empty list is an error, absent is empty. */
    private static List<String> values(FieldReader r, String field, Function<String, String> format) {
        rejectEmpty(r, field, "leave the field out instead");
        return r.strings(field, MAX_VALUES, format);
    }

    private static List<Integer> ports(FieldReader r, String field) {
        rejectEmpty(r, field, "leave the field out instead");
        return r.integers(field, MAX_VALUES, 1, 65535);
    }

    private static void rejectEmpty(FieldReader r, String field, String hint) {
        JsonNode value = r.raw(field);
        if (value != null && value.isArray() && value.isEmpty()) {
            r.error(field, "must not be empty; " + hint);
        }
    }

    private static void requireOneOf(FieldReader r, String[] fields) {
        if (Arrays.stream(fields).noneMatch(r::has)) {
            r.error("must set at least one of " + String.join(", ", fields));
        }
    }

    // ---- value checks: null when valid, else the message

    /** A SPIFFE ID {@code spiffe://<td>/ns/<ns>/sa/<account>}, or a prefix or suffix of one, or "*". */
    static String principal(String value) {
        Wildcard w = Wildcard.parse(value);
        boolean valid = !w.text().contains("*") && switch (w.kind()) {
            case ANY -> true;
            case EXACT -> SPIFFE_ID.matcher(value).matches();
            case PREFIX -> SPIFFE_ID_PREFIX.matcher(w.text()).matches();
            case SUFFIX -> SPIFFE_ID_SUFFIX.matcher(w.text()).matches();
        };
        if (!valid) {
            return "must be a SPIFFE ID spiffe://<trust domain>/ns/<namespace>/sa/<account>, or one with '*' for "
                    + "its start or end (spiffe://cluster.local/ns/shop/*, */sa/admin), or \"*\" for any "
                    + "authenticated caller, got \"" + value + "\"";
        }
        return null;
    }

    /** A namespace, or a prefix or suffix of one, or "*". */
    static String namespace(String value) {
        Wildcard w = Wildcard.parse(value);
        boolean valid = switch (w.kind()) {
            case ANY -> true;
            case EXACT -> Formats.label(value) == null;
            case PREFIX, SUFFIX -> NAMESPACE_PART.matcher(w.text()).matches();
        };
        if (!valid) {
            return "must be a namespace (a lowercase RFC 1123 label), or one with '*' for its start or end "
                    + "(team-*), or \"*\", got \"" + value + "\"";
        }
        return null;
    }

    /** An IPv4 or IPv6 address, optionally with a prefix length: a CIDR block. */
    static String ipBlock(String value) {
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        // Formats.address checks IPv6 literals fully; without ':' it also accepts DNS names, which IPV4 excludes
        boolean valid = Formats.address(address) == null && (v6 || IPV4.matcher(address).matches());
        if (valid && slash >= 0) {
            String length = value.substring(slash + 1);
            valid = length.matches("[0-9]{1,3}") && Integer.parseInt(length) <= (v6 ? 128 : 32);
        }
        if (!valid) {
            return "must be an IP address or a CIDR block (10.0.0.0/8, fd00::/8), got \"" + value + "\"";
        }
        return null;
    }

    static String method(String value) {
        if (!METHOD.matcher(value).matches()) {
            return "must be an HTTP method in upper case, such as GET or POST (methods are case-sensitive), got \""
                    + value + "\"";
        }
        return null;
    }

    /** A path (from '/'), a prefix of one, a suffix of one, or "*"; never with a query. */
    static String path(String value) {
        Wildcard w = Wildcard.parse(value);
        boolean valid = switch (w.kind()) {
            case ANY -> true;
            case EXACT, PREFIX -> w.text().startsWith("/") && PATH_PART.matcher(w.text()).matches();
            case SUFFIX -> PATH_PART.matcher(w.text()).matches();
        };
        if (!valid) {
            return "must be a path starting with '/', or one with '*' for its start or end (/api/*, *.json), or "
                    + "\"*\"; no spaces, '?' or '#' (the query is not part of the path), got \"" + value + "\"";
        }
        return null;
    }

    static String host(String value) {
        Wildcard w = Wildcard.parse(value);
        if (w.kind() != Wildcard.Kind.ANY && !HOST_PART.matcher(w.text()).matches()) {
            return "must be a host name, or one with '*' for its start or end (*.example.com), or \"*\", got \""
                    + value + "\"";
        }
        return null;
    }

    static String headerValue(String value) {
        Wildcard w = Wildcard.parse(value);
        if (w.kind() == Wildcard.Kind.ANY) {
            return null;
        }
        String problem = w.text().contains("*") ? "must not contain '*' except as its first or last character"
                : Formats.headerValue(w.text(), 4096);
        return problem == null ? null : problem + " (a header value, or one with '*' for its start or end, or \"*\" "
                + "for any), got \"" + value + "\"";
    }

    static String port(String value) {
        if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > 65535) {
            return "must be a port number between 1 and 65535, got \"" + value + "\"";
        }
        return null;
    }

    // ---- writing

    @Override
    public ObjectNode write(AuthorizationPolicySpec spec) {
        ObjectNode node = Json.object();
        if (!spec.selector().equals(WorkloadSelector.ALL)) {
            ObjectNode selector = node.putObject("selector");
            Json.put(selector, "service", spec.selector().service());
            Json.putMap(selector, "matchLabels", spec.selector().matchLabels());
        }
        node.put("action", spec.action().name());
        Json.putList(node, "rules", spec.rules(), AuthorizationPolicyCodec::writeRule);
        return node;
    }

    private static ObjectNode writeRule(AuthorizationRule rule) {
        ObjectNode node = Json.object();
        Json.putList(node, "from", rule.from(), source -> {
            ObjectNode from = Json.object();
            ObjectNode s = from.putObject("source");
            Json.putStrings(s, "principals", source.principals());
            Json.putStrings(s, "notPrincipals", source.notPrincipals());
            Json.putStrings(s, "namespaces", source.namespaces());
            Json.putStrings(s, "notNamespaces", source.notNamespaces());
            Json.putStrings(s, "ipBlocks", source.ipBlocks());
            Json.putStrings(s, "notIpBlocks", source.notIpBlocks());
            return from;
        });
        Json.putList(node, "to", rule.to(), operation -> {
            ObjectNode to = Json.object();
            ObjectNode o = to.putObject("operation");
            Json.putStrings(o, "hosts", operation.hosts());
            Json.putStrings(o, "notHosts", operation.notHosts());
            Json.putIntegers(o, "ports", operation.ports());
            Json.putIntegers(o, "notPorts", operation.notPorts());
            Json.putStrings(o, "methods", operation.methods());
            Json.putStrings(o, "notMethods", operation.notMethods());
            Json.putStrings(o, "paths", operation.paths());
            Json.putStrings(o, "notPaths", operation.notPaths());
            return to;
        });
        Json.putList(node, "when", rule.when(), condition -> {
            ObjectNode c = Json.object();
            c.put("key", condition.key());
            Json.putStrings(c, "values", condition.values());
            Json.putStrings(c, "notValues", condition.notValues());
            return c;
        });
        return node;
    }
}
