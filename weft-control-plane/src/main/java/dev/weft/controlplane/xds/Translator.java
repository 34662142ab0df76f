package dev.weft.controlplane.xds;

import dev.weft.api.policy.MtlsMode;
import dev.weft.api.registry.ServicePort;
import dev.weft.api.registry.ServiceProtocol;
import dev.weft.controlplane.registry.ServiceView;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Computes a node's xDS snapshot from one {@link MeshModel}, as the contract with the sidecar says: for a sidecar,
 * its inbound listener (with the RBAC filters of {@link AuthorizationTranslator}), route and cluster, the outbound
 * listener with one virtual host per service it may call, fixed-port listeners per upstream, and the EDS clusters
 * and endpoints those routes use; for a proxyless gRPC client, API listeners named after each service it may call.
 * A node that declares upstreams gets only those (and its own inbound), so what it receives does not grow with the
 * mesh. A sidecar with an identity also gets mTLS ({@link MtlsResources}): its inbound listener's shape, its
 * clusters' transport_socket_matches, the ROOTCA secret.
 *
 * <p>Per-service routes and per-cluster resources are built once per model and shared by every node. Not
 * thread-safe: one translator serves one model on one thread.
 */
final class Translator {

    /** The inbound listener's and route configuration's name. */
    static final String INBOUND = "inbound";
    /** The HTTP-proxy-style outbound listener's and route configuration's name. */
    static final String OUTBOUND = "outbound";

    private final MeshModel model;
    private final Map<NodeInfo.Role, RouteTranslator> routeTranslators = new EnumMap<>(NodeInfo.Role.class);
    private final Map<NodeInfo.Role, ClusterTranslator> clusterTranslators = new EnumMap<>(NodeInfo.Role.class);
    private final Map<String, RouteTranslator.ServiceRoutes> routes = new HashMap<>();
    private final Map<String, Cluster> clusters = new HashMap<>();
    private final Map<String, ClusterLoadAssignment> assignments = new HashMap<>();
    /** Resources that depend only on what a node declares, shared by the nodes that declare the same. */
    private final Map<String, com.google.protobuf.Message> shared = new HashMap<>();
    private final Map<com.google.protobuf.Message, byte[]> digests = new IdentityHashMap<>();
    private final AuthorizationTranslator authorization;
    private final MtlsResources mtls;
    private final TelemetryTranslator telemetry;

    Translator(MeshModel model, MtlsResources mtls) {
        this.model = model;
        this.telemetry = new TelemetryTranslator(model.telemetry());
        this.authorization = new AuthorizationTranslator(model);
        this.mtls = mtls;
        for (NodeInfo.Role role : NodeInfo.Role.values()) {
            routeTranslators.put(role, new RouteTranslator(model, role));
            clusterTranslators.put(role, new ClusterTranslator(model, role));
        }
    }

    /** The node's snapshot, each type versioned by the hash of its resources, checked by {@link Consistency}. */
    Snapshot snapshot(NodeInfo node) {
        Resources resources = node.role() == NodeInfo.Role.SIDECAR ? sidecar(node) : proxyless(node);
        List<Secret> secrets = node.role() == NodeInfo.Role.SIDECAR ? mtls.secrets(node) : List.of();
        Snapshot snapshot = Snapshot.create(
                resources.clusters, Versions.of(resources.clusters, digests),
                resources.endpoints, Versions.of(resources.endpoints, digests),
                resources.listeners, Versions.of(resources.listeners, digests),
                resources.routes, Versions.of(resources.routes, digests),
                secrets, Versions.of(secrets, digests));
        Consistency.ensureConsistent(snapshot);
        return snapshot;
    }

    private Resources sidecar(NodeInfo node) {
        Resources out = new Resources(node);
        if (node.inboundPort() > 0) {
            String cluster = "inbound|" + node.appPort();
            AuthorizationTranslator.Inbound authz = authorization.inbound(node);
            MtlsMode inboundMode = mtls.inboundMode(node);
            out.listeners.add(shared("listener|inbound|" + node.address() + "|" + node.inboundPort() + "|"
                    + authz.key() + "|" + inboundMode, () -> mtls.inbound(authz.apply(
                            XdsResources.listener(INBOUND, node.address(), node.inboundPort(), INBOUND,
                            TrafficDirection.INBOUND, telemetry)),
                    inboundMode)));
            out.routes.add(shared("routes|" + cluster, () -> RouteConfiguration.newBuilder().setName(INBOUND)
                    .addVirtualHosts(VirtualHost.newBuilder().setName(INBOUND).addDomains("*")
                            .addRoutes(Route.newBuilder().setName("inbound/app")
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    // the caller's sidecar enforces the timeout; an inbound one would cut long streams
                                    .setRoute(RouteAction.newBuilder().setCluster(cluster)
                                            .setTimeout(com.google.protobuf.Duration.getDefaultInstance()))))
                    .build()));
            ServiceProtocol protocol = appProtocol(node);
            out.clusters.add(shared("cluster|" + cluster + "|" + protocol,
                    () -> ClusterTranslator.inbound(cluster, node.appPort(), protocol)));
        }
        if (node.outboundPort() > 0) {
            List<ServiceView> reachable = reachable(node);
            // nodes of one namespace that call the same services share one route configuration
            out.routes.add(shared("routes|outbound|" + node.namespace() + "|" + reachable.stream()
                    .map(ServiceView::qualifiedName).toList(), () -> {
                        RouteConfiguration.Builder outbound = RouteConfiguration.newBuilder().setName(OUTBOUND);
                        for (ServiceView service : reachable) {
                            outbound.addVirtualHosts(VirtualHost.newBuilder().setName(service.qualifiedName())
                                    .addAllDomains(domains(service, node.namespace()))
                                    .addAllRoutes(out.routesOf(service)));
                        }
                        return outbound.build();
                    }));
            reachable.forEach(out::use);
            out.listeners.add(shared("listener|outbound|" + node.outboundPort(), () -> XdsResources.listener(OUTBOUND,
                    ClusterTranslator.APP_HOST, node.outboundPort(), OUTBOUND, TrafficDirection.OUTBOUND, telemetry)));
        }
        if (node.upstreams() != null) {
            for (NodeInfo.Upstream upstream : node.upstreams()) {
                if (upstream.port() == 0) {
                    continue;
                }
                String name = "outbound|" + upstream.service() + "." + upstream.namespace() + "|" + upstream.port();
                Optional<ServiceView> service = model.service(upstream.namespace(), upstream.service());
                VirtualHost.Builder host = VirtualHost.newBuilder().setName(upstream.service() + "."
                        + upstream.namespace()).addDomains("*");
                if (service.isPresent()) {
                    host.addAllRoutes(out.use(service.get()));
                } else {
                    // keep the app's port bound, and say why requests fail, until the service appears
                    host.addRoutes(Route.newBuilder().setName(name + "/unknown")
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(503)
                                    .setBody(DataSource.newBuilder().setInlineString("service " + upstream.service()
                                            + "." + upstream.namespace() + " is not known to the control plane"))));
                }
                out.listeners.add(shared("listener|" + name, () -> XdsResources.listener(name,
                        ClusterTranslator.APP_HOST, upstream.port(), name, TrafficDirection.OUTBOUND, telemetry)));
                out.routes.add(shared("routes|" + name, () -> RouteConfiguration.newBuilder().setName(name)
                        .addVirtualHosts(host).build()));
            }
        }
        out.addClusters();
        out.clusters.addAll(telemetry.clusters());
        return out;
    }

    private Resources proxyless(NodeInfo node) {
        Resources out = new Resources(node);
        for (ServiceView service : reachable(node)) {
            String routeName = service.qualifiedName();
            for (String alias : aliases(service, node.namespace())) {
                out.listeners.add(shared("api-listener|" + alias, () -> XdsResources.apiListener(alias, routeName)));
            }
            out.routes.add(shared("routes|proxyless|" + routeName, () -> RouteConfiguration.newBuilder()
                    .setName(routeName).addVirtualHosts(VirtualHost.newBuilder().setName(routeName).addDomains("*")
                            .addAllRoutes(out.routesOf(service))).build()));
            out.use(service);
        }
        out.addClusters();
        return out;
    }

    @SuppressWarnings("unchecked")
    private <T extends com.google.protobuf.Message> T shared(String key, java.util.function.Supplier<T> build) {
        return (T) shared.computeIfAbsent(key, k -> build.get());
    }

    /** The services a node may call: its declared upstreams that exist, or every service. */
    private List<ServiceView> reachable(NodeInfo node) {
        if (node.upstreams() == null) {
            return model.services();
        }
        Map<String, ServiceView> result = new LinkedHashMap<>();
        for (NodeInfo.Upstream upstream : node.upstreams()) {
            model.service(upstream.namespace(), upstream.service())
                    .ifPresent(s -> result.putIfAbsent(s.qualifiedName(), s));
        }
        return List.copyOf(result.values());
    }

    private ServiceProtocol appProtocol(NodeInfo node) {
        if (node.appProtocol() != null) {
            return node.appProtocol();
        }
        return model.service(node.namespace(), node.service()).filter(ServiceView::declared)
                .map(s -> s.ports().get(0).protocol()).orElse(ServiceProtocol.HTTP);
    }

    /** The Host names a service answers to; the short name only within the caller's namespace. */
    static List<String> domains(ServiceView service, String callerNamespace) {
        List<String> domains = new ArrayList<>();
        if (service.namespace().equals(callerNamespace)) {
            domains.add(service.name());
        }
        String qualified = service.qualifiedName();
        domains.add(qualified);
        domains.add(qualified + ".svc");
        domains.add(qualified + ".svc.cluster.local");
        return domains;
    }

    /** The listener names grpc-java may ask for: each domain, and each with each service port. */
    static List<String> aliases(ServiceView service, String callerNamespace) {
        List<String> aliases = new ArrayList<>();
        for (String domain : domains(service, callerNamespace)) {
            aliases.add(domain);
            for (ServicePort port : service.ports()) {
                aliases.add(domain + ":" + port.port());
            }
        }
        return aliases;
    }

    /** One node's resources while they are gathered. */
    private final class Resources {

        final NodeInfo node;
        final NodeInfo.Role role;
        final List<Listener> listeners = new ArrayList<>();
        final List<RouteConfiguration> routes = new ArrayList<>();
        final List<Cluster> clusters = new ArrayList<>();
        final List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        final SortedSet<ClusterRef> used = new TreeSet<>();

        Resources(NodeInfo node) {
            this.node = node;
            this.role = node.role();
        }

        /** The service's routes; their clusters are added to the node's. */
        List<Route> use(ServiceView service) {
            RouteTranslator.ServiceRoutes serviceRoutes = serviceRoutes(service);
            used.addAll(serviceRoutes.clusters());
            return serviceRoutes.routes();
        }

        /** The service's routes, without adding their clusters (the caller does, with {@link #use}). */
        List<Route> routesOf(ServiceView service) {
            return serviceRoutes(service).routes();
        }

        private RouteTranslator.ServiceRoutes serviceRoutes(ServiceView service) {
            return Translator.this.routes.computeIfAbsent(role + "|" + service.qualifiedName(),
                    k -> routeTranslators.get(role).routes(service));
        }

        void addClusters() {
            ClusterTranslator translator = clusterTranslators.get(role);
            for (ClusterRef ref : used) {
                String key = role + "|" + ref.name();
                Cluster cluster = Translator.this.clusters.computeIfAbsent(key, k -> translator.outbound(ref));
                // mTLS to the callee's sidecars: only a caller with a certificate, to a service that is not DISABLE
                if (role == NodeInfo.Role.SIDECAR && cluster.getType() == Cluster.DiscoveryType.EDS
                        && mtls.upstreamMtls(node, ref)) {
                    Cluster plaintext = cluster;
                    cluster = Translator.this.clusters.computeIfAbsent("mtls|" + key,
                            k -> mtls.withTransportSocketMatches(plaintext, ref));
                }
                clusters.add(cluster);
                // a STRICT_DNS cluster (instances known by name) holds its endpoints inline
                if (cluster.getType() == Cluster.DiscoveryType.EDS) {
                    endpoints.add(assignments.computeIfAbsent(key, k -> translator.endpoints(ref)));
                }
            }
        }
    }
}
