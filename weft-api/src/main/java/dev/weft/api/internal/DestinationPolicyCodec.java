package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.policy.ConnectionPool;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.HashPolicy;
import dev.weft.api.policy.LoadBalancer;
import dev.weft.api.policy.LoadBalancerAlgorithm;
import dev.weft.api.policy.PolicyTargetRef;
import dev.weft.api.policy.Subset;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Reads and writes {@code DestinationPolicy} specs. */
public final class DestinationPolicyCodec implements SpecCodec<DestinationPolicySpec> {

    private static final Map<String, String> NOT_SUPPORTED_YET = Map.of(
            "circuitBreaker", "not supported yet: circuit breaking is planned for DestinationPolicy but not "
                    + "implemented, so it would be ignored; remove it",
            "outlierDetection", "not supported yet: outlier detection is planned for DestinationPolicy but not "
                    + "implemented, so it would be ignored; remove it");

    @Override
    public DestinationPolicySpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems,
                List.of("targetRef", "loadBalancer", "connectionPool", "subsets", "circuitBreaker", "outlierDetection"),
                NOT_SUPPORTED_YET);
        return new DestinationPolicySpec(targetRef(spec), loadBalancer(spec), connectionPool(spec), subsets(spec));
    }

    private static PolicyTargetRef targetRef(FieldReader spec) {
        FieldReader t = spec.requiredObject("targetRef", "group", "kind", "name");
        if (t == null) {
            return null;
        }
        String group = t.string("group");
        String kind = t.string("kind");
        if (group != null && !GatewayCommon.isCoreGroup(group)) {
            t.error("group", "must be \"\" (or \"core\") for a Service, got \"" + group + "\"");
        }
        if (kind != null && !kind.equals("Service")) {
            t.error("kind", "must be Service, got \"" + kind + "\"");
        }
        return new PolicyTargetRef("", "Service", GatewayCommon.objectName(t, "name"));
    }

    private static LoadBalancer loadBalancer(FieldReader spec) {
        FieldReader lb = spec.object("loadBalancer", "algorithm", "hash");
        if (lb == null) {
            return null;
        }
        LoadBalancerAlgorithm algorithm = lb.enumeration("algorithm", LoadBalancerAlgorithm.values(),
                LoadBalancerAlgorithm::name);
        HashPolicy hash = hash(lb);
        boolean algorithmInvalid = lb.has("algorithm") && algorithm == null;
        if (lb.has("hash") && algorithm != LoadBalancerAlgorithm.RING_HASH && !algorithmInvalid) {
            lb.error("hash", "is only used by algorithm RING_HASH, got "
                    + (algorithm == null ? "no algorithm" : "algorithm " + algorithm));
        }
        if (algorithm == LoadBalancerAlgorithm.RING_HASH && !lb.has("hash")) {
            lb.error("hash", "is required when algorithm is RING_HASH");
        }
        return new LoadBalancer(algorithm, hash);
    }

    private static HashPolicy hash(FieldReader lb) {
        FieldReader h = lb.object("hash", "header", "cookie", "sourceIP");
        if (h == null) {
            return null;
        }
        int set = (h.has("header") ? 1 : 0) + (h.has("cookie") ? 1 : 0) + (h.has("sourceIP") ? 1 : 0);
        if (set != 1) {
            h.error("must set exactly one of header, cookie or sourceIP, got " + set);
            return null;
        }
        if (h.has("header")) {
            String header = h.string("header");
            GatewayCommon.check(h, "header", header, Formats::headerName);
            return HashPolicy.header(header);
        }
        if (h.has("cookie")) {
            String cookie = h.string("cookie");
            GatewayCommon.check(h, "cookie", cookie, c -> Formats.headerName(c) == null ? null
                    : "must be a cookie name (RFC 6265 token), got \"" + c + "\"");
            return HashPolicy.cookie(cookie);
        }
        Boolean sourceIp = h.bool("sourceIP");
        if (Boolean.FALSE.equals(sourceIp)) {
            h.error("sourceIP", "must be true when set (it is the only hash key here)");
        }
        return HashPolicy.sourceIp();
    }

    private static ConnectionPool connectionPool(FieldReader spec) {
        FieldReader p = spec.object("connectionPool", "maxConnections", "maxPendingRequests",
                "maxRequestsPerConnection", "idleTimeout", "connectTimeout", "http2");
        if (p == null) {
            return null;
        }
        return new ConnectionPool(p.integer("maxConnections", 1, Integer.MAX_VALUE),
                p.integer("maxPendingRequests", 1, Integer.MAX_VALUE),
                p.integer("maxRequestsPerConnection", 1, Integer.MAX_VALUE),
                positive(p, "idleTimeout"), positive(p, "connectTimeout"), p.bool("http2"));
    }

    /** A duration that must not be zero. */
    static Duration positive(FieldReader r, String field) {
        Duration duration = r.duration(field);
        if (duration != null && duration.isZero()) {
            r.error(field, "must be greater than 0s");
        }
        return duration;
    }

    private static List<Subset> subsets(FieldReader spec) {
        List<Subset> subsets = spec.objects("subsets", 64, new String[] {"name", "labels"}, s -> {
            String name = GatewayCommon.objectName(s, "name");
            Map<String, String> labels = s.labels("labels");
            if (s.missing("labels")) {
                s.error("labels", "is required: the labels that select the subset's instances");
            }
            return new Subset(name, labels);
        });
        GatewayCommon.rejectDuplicateNames(spec, "subsets", subsets, Subset::name, false);
        return subsets;
    }

    @Override
    public ObjectNode write(DestinationPolicySpec spec) {
        ObjectNode node = Json.object();
        ObjectNode target = node.putObject("targetRef");
        target.put("group", spec.targetRef().group());
        target.put("kind", spec.targetRef().kind());
        target.put("name", spec.targetRef().name());
        if (spec.loadBalancer() != null) {
            ObjectNode lb = node.putObject("loadBalancer");
            LoadBalancer loadBalancer = spec.loadBalancer();
            Json.put(lb, "algorithm", loadBalancer.algorithm() == null ? null : loadBalancer.algorithm().name());
            if (loadBalancer.hash() != null) {
                ObjectNode hash = lb.putObject("hash");
                switch (loadBalancer.hash().source()) {
                    case HEADER -> hash.put("header", loadBalancer.hash().name());
                    case COOKIE -> hash.put("cookie", loadBalancer.hash().name());
                    case SOURCE_IP -> hash.put("sourceIP", true);
                }
            }
        }
        ConnectionPool pool = spec.connectionPool();
        if (pool != null) {
            ObjectNode p = node.putObject("connectionPool");
            Json.put(p, "maxConnections", pool.maxConnections());
            Json.put(p, "maxPendingRequests", pool.maxPendingRequests());
            Json.put(p, "maxRequestsPerConnection", pool.maxRequestsPerConnection());
            Json.put(p, "idleTimeout", pool.idleTimeout());
            Json.put(p, "connectTimeout", pool.connectTimeout());
            Json.put(p, "http2", pool.http2());
        }
        Json.putList(node, "subsets", spec.subsets(), subset -> {
            ObjectNode s = Json.object();
            s.put("name", subset.name());
            Json.putMap(s, "labels", subset.labels());
            return s;
        });
        return node;
    }
}
