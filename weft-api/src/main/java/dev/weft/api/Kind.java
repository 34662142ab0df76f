package dev.weft.api;

import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServiceSpec;
import dev.weft.api.security.AuthorizationPolicySpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The resource kinds Weft accepts, with their API group, version and spec type. */
public enum Kind {
    HTTP_ROUTE("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes", true, HttpRouteSpec.class),
    GRPC_ROUTE("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes", true, GrpcRouteSpec.class),
    DESTINATION_POLICY("weft.dev", "v1alpha1", "DestinationPolicy", "destinationpolicies", true,
            DestinationPolicySpec.class),
    /** Cluster-scoped singleton, named {@value MeshConfigSpec#NAME}. */
    MESH_CONFIG("weft.dev", "v1alpha1", "MeshConfig", "meshconfigs", false, MeshConfigSpec.class),
    SERVICE("weft.dev", "v1alpha1", "Service", "services", true, ServiceSpec.class),
    SERVICE_INSTANCE("weft.dev", "v1alpha1", "ServiceInstance", "serviceinstances", true, ServiceInstanceSpec.class),
    AUTHORIZATION_POLICY("weft.dev", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", true,
            AuthorizationPolicySpec.class);

    private final String group;
    private final String version;
    private final String kindName;
    private final String plural;
    private final boolean namespaced;
    private final Class<? extends Spec> specType;

    Kind(String group, String version, String kindName, String plural, boolean namespaced,
         Class<? extends Spec> specType) {
        this.group = group;
        this.version = version;
        this.kindName = kindName;
        this.plural = plural;
        this.namespaced = namespaced;
        this.specType = specType;
    }

    public String group() {
        return group;
    }

    public String version() {
        return version;
    }

    /** The {@code apiVersion} field: {@code group/version}. */
    public String apiVersion() {
        return group + "/" + version;
    }

    /** The {@code kind} field, e.g. "HTTPRoute". */
    public String kindName() {
        return kindName;
    }

    /** The lowercase plural, e.g. "httproutes", as a CLI may accept it. */
    public String plural() {
        return plural;
    }

    /** Whether resources of this kind live in a namespace; a cluster-scoped kind has namespace "". */
    public boolean namespaced() {
        return namespaced;
    }

    public Class<? extends Spec> specType() {
        return specType;
    }

    /** The kind whose {@code kind} field is exactly {@code kindName}. */
    public static Optional<Kind> fromKindName(String kindName) {
        return Arrays.stream(values()).filter(k -> k.kindName.equals(kindName)).findFirst();
    }

    /** The kind a user typed on a command line: its kind name in any case ("httproute") or its plural. */
    public static Optional<Kind> parse(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(k -> k.kindName.toLowerCase(Locale.ROOT).equals(lower) || k.plural.equals(lower))
                .findFirst();
    }

    @Override
    public String toString() {
        return kindName;
    }
}
