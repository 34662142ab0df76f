package dev.weft.controlplane.xds;

import dev.weft.api.Resource;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.ParentRef;
import dev.weft.api.policy.AuthorizationDefault;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.Telemetry;
import dev.weft.api.policy.MeshDefaults;
import dev.weft.api.policy.Subset;
import dev.weft.api.security.AuthorizationPolicySpec;
import dev.weft.controlplane.registry.InstanceView;
import dev.weft.controlplane.registry.RegistrySnapshot;
import dev.weft.controlplane.registry.ServiceView;
import dev.weft.controlplane.store.StoreSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mesh as the translator needs it, indexed once per change: services with their instances, the routes
 * attached to each service (GAMMA {@code parentRefs}), destination policies and subsets, authorization policies
 * by namespace, and the mesh defaults.
 * Immutable.
 */
final class MeshModel {

    /** A subset as a backendRef finds it: the Service it selects from and its labels. */
    record SubsetTarget(String namespace, String service, Subset subset) {
    }

    private final RegistrySnapshot registry;
    private final Map<String, DestinationPolicySpec> policies = new HashMap<>();
    private final Map<String, SubsetTarget> subsets = new HashMap<>();
    private final Map<String, List<Resource<HttpRouteSpec>>> httpRoutes = new HashMap<>();
    private final Map<String, List<Resource<GrpcRouteSpec>>> grpcRoutes = new HashMap<>();
    private final MeshDefaults defaults;
    private final Map<String, List<Resource<AuthorizationPolicySpec>>> authorizationPolicies = new HashMap<>();
    private final AuthorizationDefault defaultAuthorization;
    private final Telemetry telemetry;

    MeshModel(StoreSnapshot store, RegistrySnapshot registry) {
        this.registry = registry;
        for (Resource<DestinationPolicySpec> policy : store.ofType(DestinationPolicySpec.class)) {
            String namespace = policy.metadata().namespace();
            String service = policy.spec().targetRef().name();
            policies.put(key(namespace, service), policy.spec());
            policy.spec().subsets().forEach(s -> subsets.put(key(namespace, s.name()),
                    new SubsetTarget(namespace, service, s)));
        }
        for (Resource<HttpRouteSpec> route : store.ofType(HttpRouteSpec.class)) {
            parents(route.metadata().namespace(), route.spec().parentRefs())
                    .forEach(parent -> httpRoutes.computeIfAbsent(parent, k -> new ArrayList<>()).add(route));
        }
        for (Resource<GrpcRouteSpec> route : store.ofType(GrpcRouteSpec.class)) {
            parents(route.metadata().namespace(), route.spec().parentRefs())
                    .forEach(parent -> grpcRoutes.computeIfAbsent(parent, k -> new ArrayList<>()).add(route));
        }
        this.defaults = store.ofType(MeshConfigSpec.class).stream().findFirst()
                .map(r -> r.spec().defaults()).orElse(MeshDefaults.NONE);
        for (Resource<AuthorizationPolicySpec> policy : store.ofType(AuthorizationPolicySpec.class)) {
            authorizationPolicies.computeIfAbsent(policy.metadata().namespace(), k -> new ArrayList<>()).add(policy);
        }
        this.defaultAuthorization = store.ofType(MeshConfigSpec.class).stream().findFirst()
                .map(r -> r.spec().defaultAuthorization()).orElse(AuthorizationDefault.ALLOW);
        this.telemetry = store.ofType(MeshConfigSpec.class).stream().findFirst()
                .map(r -> r.spec().telemetry()).orElse(Telemetry.NONE);
    }

    /** MeshConfig {@code spec.telemetry}: tracing and access logs of every sidecar. */
    Telemetry telemetry() {
        return telemetry;
    }

    List<ServiceView> services() {
        return registry.services();
    }

    Optional<ServiceView> service(String namespace, String name) {
        return registry.service(namespace, name);
    }

    /** The DestinationPolicy of a Service, or null. */
    DestinationPolicySpec policy(String namespace, String service) {
        return policies.get(key(namespace, service));
    }

    /** The subset a backendRef in {@code namespace} names, or null when no policy declares it. */
    SubsetTarget subset(String namespace, String name) {
        return subsets.get(key(namespace, name));
    }

    List<Resource<HttpRouteSpec>> httpRoutes(ServiceView service) {
        return httpRoutes.getOrDefault(key(service.namespace(), service.name()), List.of());
    }

    List<Resource<GrpcRouteSpec>> grpcRoutes(ServiceView service) {
        return grpcRoutes.getOrDefault(key(service.namespace(), service.name()), List.of());
    }

    MeshDefaults defaults() {
        return defaults;
    }

    /** The AuthorizationPolicies of a namespace, in store order. */
    List<Resource<AuthorizationPolicySpec>> authorizationPolicies(String namespace) {
        return authorizationPolicies.getOrDefault(namespace, List.of());
    }

    /** What a workload no ALLOW policy selects does: MeshConfig {@code spec.authorization.default}. */
    AuthorizationDefault defaultAuthorization() {
        return defaultAuthorization;
    }

    /**
     * The healthy instances of a cluster. An instance whose port is one of a declared Service's ports serves that
     * port only; any other instance (an implicit service's, or a sidecar registered at its inbound listener port)
     * serves every port of its service.
     */
    List<InstanceView> endpoints(ClusterRef cluster) {
        Map<String, String> selector = Map.of();
        if (cluster.subset() != null) {
            SubsetTarget target = subset(cluster.namespace(), cluster.subset());
            if (target == null || !target.service().equals(cluster.service())) {
                return List.of();
            }
            selector = target.subset().labels();
        }
        Optional<ServiceView> service = service(cluster.namespace(), cluster.service());
        if (service.isEmpty()) {
            return List.of();
        }
        List<InstanceView> result = new ArrayList<>();
        boolean declared = service.get().declared();
        for (InstanceView instance : service.get().instances()) {
            boolean servesPort = !declared || instance.port() == cluster.port()
                    || service.get().ports().stream().noneMatch(p -> p.port() == instance.port());
            if (instance.healthy() && servesPort && instance.matches(selector)) {
                result.add(instance);
            }
        }
        return result;
    }

    private static List<String> parents(String routeNamespace, List<ParentRef> parents) {
        return parents.stream().map(p -> key(p.namespaceOr(routeNamespace), p.name())).distinct().toList();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
