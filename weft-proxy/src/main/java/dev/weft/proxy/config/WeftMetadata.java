package dev.weft.proxy.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filter_metadata["weft"]} of clusters and endpoints: who is behind them, for the labels of the
 * proxy's request metrics. A cluster says which Service it reaches ({@code service}, {@code namespace}), an
 * endpoint which workload and version serve there ({@code workload}, {@code version}). Every value is a string;
 * any other key is a configuration error, as for every field Weft does not run.
 */
public final class WeftMetadata {
    /** The filter_metadata key Weft reads. */
    public static final String KEY = "weft";

    private static final Set<String> CLUSTER_KEYS = Set.of("service", "namespace");
    private static final Set<String> ENDPOINT_KEYS = Set.of("workload", "version");

    private WeftMetadata() {}

    /** The Service a cluster reaches; both null when its metadata does not say. */
    public record Service(String service, String namespace) {
        public static final Service NONE = new Service(null, null);
    }

    /** The workload and version behind an endpoint; both null when its metadata does not say. */
    public record Workload(String workload, String version) {
        public static final Workload NONE = new Workload(null, null);
    }

    /** Reads a cluster's {@code metadata}; path is the cluster's. */
    static Service service(Metadata metadata, String path) throws ConfigException {
        for (String key : metadata.getFilterMetadataMap().keySet()) {
            if (!key.equals(KEY)) {
                throw new ConfigException(path + ".metadata.filter_metadata[\"" + key + "\"]",
                        "is not supported by Weft (supported: " + KEY + ")");
            }
        }
        Struct s = metadata.getFilterMetadataMap().get(KEY);
        if (s == null) {
            return Service.NONE;
        }
        String p = path + ".metadata.filter_metadata[\"" + KEY + "\"]";
        check(s, CLUSTER_KEYS, p);
        return new Service(string(s, "service"), string(s, "namespace"));
    }

    /** Reads the {@code weft} entry of an endpoint's metadata (other keys are checked by the caller). */
    static Workload workload(Struct s, String path) throws ConfigException {
        if (s == null) {
            return Workload.NONE;
        }
        check(s, ENDPOINT_KEYS, path);
        return new Workload(string(s, "workload"), string(s, "version"));
    }

    private static void check(Struct s, Set<String> keys, String path) throws ConfigException {
        for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
            if (!keys.contains(e.getKey())) {
                throw new ConfigException(path + "." + e.getKey(), "is not supported by Weft (supported: "
                        + keys.stream().sorted().toList() + ")");
            }
            if (e.getValue().getKindCase() != Value.KindCase.STRING_VALUE || e.getValue().getStringValue().isEmpty()) {
                throw new ConfigException(path + "." + e.getKey(), "must be a non-empty string");
            }
        }
    }

    private static String string(Struct s, String key) {
        Value v = s.getFieldsMap().get(key);
        return v == null ? null : v.getStringValue();
    }
}
