package dev.weft.controlplane.stats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceWriter;
import dev.weft.api.gateway.GrpcBackendRef;
import dev.weft.api.gateway.GrpcRouteRule;
import dev.weft.api.gateway.GrpcRouteSpec;
import dev.weft.api.gateway.HttpBackendRef;
import dev.weft.api.gateway.HttpRouteRule;
import dev.weft.api.gateway.HttpRouteSpec;
import dev.weft.api.gateway.ParentRef;
import dev.weft.api.internal.Durations;
import dev.weft.api.policy.DestinationPolicySpec;
import dev.weft.api.security.AuthorizationPolicySpec;
import dev.weft.controlplane.registry.InstanceView;
import dev.weft.controlplane.registry.RegistrySnapshot;
import dev.weft.controlplane.registry.ServiceView;
import dev.weft.controlplane.store.StoreSnapshot;
import dev.weft.controlplane.xds.ProxyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The control plane's views of the mesh as JSON, for the API ({@code /v1/stats/services}, {@code /v1/stats/graph})
 * and the dashboard: services with their golden signals, the service graph, and one service's page (signals over
 * time, the routes and policies that apply to it, its instances, its proxies with their sync state, scrape state
 * and certificate expiry). Services are those the registry knows, those of connected sidecars and those seen in
 * metrics; a service without traffic in the window has zero requests and null rates.
 */
public final class StatsViews {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final MetricsScraper scraper;
    private final Supplier<StoreSnapshot> store;
    private final Supplier<RegistrySnapshot> registry;
    private final Supplier<List<ProxyStatus>> proxies;

    public StatsViews(MetricsScraper scraper, Supplier<StoreSnapshot> store, Supplier<RegistrySnapshot> registry,
                      Supplier<List<ProxyStatus>> proxies) {
        this.scraper = scraper;
        this.store = store;
        this.registry = registry;
        this.proxies = proxies;
    }

    /** The longest window the views can cover. */
    public Duration retention() {
        return scraper.stats().retention();
    }

    /**
     * Checks a {@code window} query parameter (null: 1 minute).
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public Duration window(String text) {
        if (text == null || text.isEmpty()) {
            return Duration.ofMinutes(1);
        }
        Duration window = Durations.parse(text);
        if (window == null || window.isZero() || window.compareTo(retention()) > 0) {
            throw new IllegalArgumentException("window: " + Durations.FORMAT_MESSAGE + ", more than 0 and at most "
                    + Durations.format(retention()) + " (the metrics kept), got \"" + text + "\"");
        }
        return window;
    }

    /** {@code {window, from, to, scrapeInterval, services: [{namespace, name, requests, rps, successRate, p50..}]}}. */
    public ObjectNode services(Duration window) {
        MeshStats.Window w = scraper.stats().window(window);
        Map<ServiceKey, Signals> signals = scraper.stats().services(w);
        ObjectNode out = header(window, w);
        ArrayNode list = out.putArray("services");
        for (ServiceKey service : knownServices(signals.keySet(), List.of())) {
            signals(service(list.addObject(), service), signals.getOrDefault(service, Signals.NONE));
        }
        return out;
    }

    /**
     * {@code {window, from, to, nodes: [{namespace, name, signals...}], edges: [{source, destination, requests, rps,
     * successRate, p50, p95, p99}]}}: every known service is a node, an edge is a pair that exchanged requests.
     */
    public ObjectNode graph(Duration window) {
        MeshStats.Window w = scraper.stats().window(window);
        Map<ServiceKey, Signals> signals = scraper.stats().services(w);
        List<MeshStats.Edge> edges = scraper.stats().edges(w);
        ObjectNode out = header(window, w);
        ArrayNode nodes = out.putArray("nodes");
        for (ServiceKey service : knownServices(signals.keySet(), edges)) {
            signals(service(nodes.addObject(), service), signals.getOrDefault(service, Signals.NONE));
        }
        edges(out.putArray("edges"), edges, e -> true);
        return out;
    }

    /**
     * One service's page: its signals, its signals per scrape interval ({@code series}), the edges in and out, the
     * routes (attached to it, or sending to it) and policies (DestinationPolicy, AuthorizationPolicy of its
     * namespace selecting its service or every workload, MeshConfig) as YAML, its instances, and its proxies.
     */
    public ObjectNode service(ServiceKey service, Duration window) {
        MeshStats.Window w = scraper.stats().window(window);
        ObjectNode out = header(window, w);
        service(out, service);
        signals(out.putObject("signals"), scraper.stats().services(w).getOrDefault(service, Signals.NONE));
        ArrayNode series = out.putArray("series");
        for (MeshStats.Point point : scraper.stats().series(service, window)) {
            signals(series.addObject().put("at", point.at().toString()), point.signals());
        }
        List<MeshStats.Edge> edges = scraper.stats().edges(w);
        edges(out.putArray("inbound"), edges, e -> e.destination().equals(service));
        edges(out.putArray("outbound"), edges, e -> e.source().equals(service));
        routesAndPolicies(out, service);
        ArrayNode instances = out.putArray("instances");
        registry.get().service(service.namespace(), service.name()).ifPresent(view -> {
            for (InstanceView instance : view.instances()) {
                ObjectNode i = instances.addObject().put("name", instance.name()).put("address", instance.address())
                        .put("port", instance.port()).put("health", instance.health().name());
                ObjectNode labels = i.putObject("labels");
                new TreeMap<>(instance.labels()).forEach(labels::put);
            }
        });
        ArrayNode list = out.putArray("proxies");
        for (ProxyStatus proxy : proxies.get()) {
            if (proxy.namespace().equals(service.namespace()) && proxy.service().equals(service.name())) {
                proxy(list.addObject(), proxy);
            }
        }
        return out;
    }

    /** Every connected proxy: sync state per xDS type, admin address, last scrape, certificate expiry. */
    public ObjectNode proxies() {
        ObjectNode out = JSON.objectNode();
        ArrayNode list = out.putArray("proxies");
        for (ProxyStatus proxy : proxies.get()) {
            proxy(list.addObject(), proxy);
        }
        return out;
    }

    private void proxy(ObjectNode p, ProxyStatus proxy) {
        p.put("id", proxy.id()).put("namespace", proxy.namespace()).put("service", proxy.service())
                .put("connectedAt", proxy.connectedAt().toString()).put("adminAddress", proxy.adminAddress());
        ObjectNode labels = p.putObject("labels");
        proxy.labels().forEach(labels::put);
        ObjectNode types = p.putObject("types");
        boolean synced = !proxy.types().isEmpty();
        for (Map.Entry<String, ProxyStatus.TypeStatus> type : proxy.types().entrySet()) {
            ProxyStatus.TypeStatus status = type.getValue();
            types.putObject(type.getKey()).put("status", status.status().name()).put("sent", status.sent())
                    .put("acked", status.acked()).put("error", status.error());
            // a type never sent (EDS of a node without EDS clusters) does not make the proxy out of sync
            synced &= status.status() != ProxyStatus.SyncStatus.STALE;
        }
        p.put("synced", synced);
        MetricsScraper.ScrapeStatus scrape = scraper.status().get(proxy.id());
        ObjectNode s = p.putObject("scrape");
        s.put("lastSuccess", scrape == null || scrape.lastSuccess() == null ? null : scrape.lastSuccess().toString());
        s.put("error", scrape == null ? null : scrape.error());
        ProxyMetrics metrics = scraper.stats().latest().get(proxy.id());
        Double expiry = metrics == null ? null : metrics.certificateExpirySeconds();
        p.put("certificateExpiresInSeconds", expiry);
    }

    private void routesAndPolicies(ObjectNode out, ServiceKey service) {
        StoreSnapshot snapshot = store.get();
        ArrayNode routes = out.putArray("routes");
        for (Resource<HttpRouteSpec> route : snapshot.ofType(HttpRouteSpec.class)) {
            String ns = route.metadata().namespace();
            boolean parent = attached(route.spec().parentRefs(), ns, service);
            boolean backend = false;
            for (HttpRouteRule rule : route.spec().rules()) {
                for (HttpBackendRef ref : rule.backendRefs()) {
                    backend |= ref.name().equals(service.name())
                            && (ref.namespace() == null ? ns : ref.namespace()).equals(service.namespace());
                }
            }
            resource(routes, route, parent, backend);
        }
        for (Resource<GrpcRouteSpec> route : snapshot.ofType(GrpcRouteSpec.class)) {
            String ns = route.metadata().namespace();
            boolean parent = attached(route.spec().parentRefs(), ns, service);
            boolean backend = false;
            for (GrpcRouteRule rule : route.spec().rules()) {
                for (GrpcBackendRef ref : rule.backendRefs()) {
                    backend |= ref.name().equals(service.name())
                            && (ref.namespace() == null ? ns : ref.namespace()).equals(service.namespace());
                }
            }
            resource(routes, route, parent, backend);
        }
        ArrayNode policies = out.putArray("policies");
        for (Resource<DestinationPolicySpec> policy : snapshot.ofType(DestinationPolicySpec.class)) {
            if (policy.metadata().namespace().equals(service.namespace())
                    && policy.spec().targetRef() != null && service.name().equals(policy.spec().targetRef().name())) {
                resource(policies, policy, true, false);
            }
        }
        for (Resource<AuthorizationPolicySpec> policy : snapshot.ofType(AuthorizationPolicySpec.class)) {
            String selected = policy.spec().selector().service();
            if (policy.metadata().namespace().equals(service.namespace())
                    && (selected == null || selected.equals(service.name()))) {
                resource(policies, policy, true, false);
            }
        }
        for (Resource<?> mesh : snapshot.ofKind(Kind.MESH_CONFIG)) {
            resource(policies, mesh, true, false);
        }
    }

    private static boolean attached(List<ParentRef> parents, String routeNamespace, ServiceKey service) {
        for (ParentRef parent : parents) {
            if (parent.name().equals(service.name()) && parent.namespaceOr(routeNamespace).equals(service.namespace())) {
                return true;
            }
        }
        return false;
    }

    private static void resource(ArrayNode list, Resource<?> resource, boolean applies, boolean backend) {
        if (!applies && !backend) {
            return;
        }
        list.addObject().put("kind", resource.kind().kindName()).put("namespace", resource.metadata().namespace())
                .put("name", resource.metadata().name())
                .put("relation", applies ? (resource.spec() instanceof HttpRouteSpec
                        || resource.spec() instanceof GrpcRouteSpec ? "parent" : "applies") : "backend")
                .put("yaml", ResourceWriter.toYaml(resource));
    }

    private Set<ServiceKey> knownServices(Set<ServiceKey> withTraffic, List<MeshStats.Edge> edges) {
        Set<ServiceKey> services = new TreeSet<>(withTraffic);
        for (ServiceView view : registry.get().services()) {
            services.add(new ServiceKey(view.namespace(), view.name()));
        }
        for (ProxyStatus proxy : proxies.get()) {
            if (!proxy.service().isEmpty()) {
                services.add(new ServiceKey(proxy.namespace(), proxy.service()));
            }
        }
        for (MeshStats.Edge edge : edges) {
            services.add(edge.source());
            services.add(edge.destination());
        }
        return services;
    }

    private ObjectNode header(Duration window, MeshStats.Window w) {
        ObjectNode out = JSON.objectNode();
        out.put("window", Durations.format(window));
        out.put("from", w.from() == null ? null : w.from().toString());
        out.put("to", w.to() == null ? null : w.to().toString());
        out.put("scrapeInterval", Durations.format(scraper.interval()));
        out.put("now", Instant.now().toString());
        return out;
    }

    private static void edges(ArrayNode list, List<MeshStats.Edge> edges,
                              java.util.function.Predicate<MeshStats.Edge> which) {
        for (MeshStats.Edge edge : edges) {
            if (which.test(edge)) {
                ObjectNode e = list.addObject();
                service(e.putObject("source"), edge.source());
                service(e.putObject("destination"), edge.destination());
                signals(e, edge.signals());
            }
        }
    }

    private static ObjectNode service(ObjectNode node, ServiceKey service) {
        return node.put("namespace", service.namespace()).put("name", service.name());
    }

    private static ObjectNode signals(ObjectNode node, Signals s) {
        return node.put("requests", Math.round(s.requests())).put("rps", round(s.rps()))
                .put("successRate", s.successRate() == null ? null : round(s.successRate()))
                .put("p50", round(s.p50())).put("p95", round(s.p95())).put("p99", round(s.p99()));
    }

    private static Double round(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : Math.round(value * 1e4) / 1e4;
    }
}
