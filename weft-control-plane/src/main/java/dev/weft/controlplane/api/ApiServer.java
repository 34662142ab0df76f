package dev.weft.controlplane.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.api.Kind;
import dev.weft.api.ObjectMeta;
import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceKey;
import dev.weft.api.ResourceProblem;
import dev.weft.api.ResourceWriter;
import dev.weft.api.internal.Durations;
import dev.weft.api.internal.ResourceTrees;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.api.registry.ServicePort;
import dev.weft.ca.CaException;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import dev.weft.controlplane.registry.DeclaredInstanceException;
import dev.weft.controlplane.registry.InstanceView;
import dev.weft.controlplane.registry.ServiceRegistry;
import dev.weft.controlplane.registry.ServiceView;
import dev.weft.controlplane.stats.StatsViews;
import dev.weft.controlplane.store.ApplyResult;
import dev.weft.controlplane.store.ResourceStore;
import dev.weft.controlplane.xds.ProxyConfigView;
import dev.weft.controlplane.xds.ProxyStatus;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import dev.weft.controlplane.xds.XdsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's HTTP API (JSON; errors are {@code {"error": "<message>"}}): apply, get and delete resources,
 * register, heartbeat and deregister instances, read the registry and the proxies' sync status, create join tokens,
 * read the CA's state and step a root rotation, read the trust bundle (PEM), and read the metrics views (per-service
 * golden signals and the service graph over a window, {@code /v1/stats/services|graph?window=1m}). (Workloads get certificates from
 * the CSR service on the xDS port, not here.)
 * Served over HTTPS (TLS 1.2 and 1.3 only) by the JDK's HTTPS server on a small pool of threads, with the TLS context
 * the control plane gives it (its own SVID); the store, registry and CA do the work and the locking.
 *
 * <p>Every endpoint but {@code GET /v1/trust-bundle} (public: clients need the roots to verify this server) and
 * {@code GET /healthz} (says nothing but "up", for probes that carry no secret) needs
 * {@code Authorization: Bearer <admin token>} ({@link AdminToken}); otherwise 401 with {@code WWW-Authenticate}.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final int THREADS = 4;

    /** The TLS versions the API speaks: 1.3 preferred, 1.2 the minimum. */
    public static final List<String> TLS_PROTOCOLS = ControlPlaneIdentity.PROTOCOLS;
    /** The {@code WWW-Authenticate} challenge of a 401. */
    static final String REALM = "Bearer realm=\"weft-control-plane\"";

    private final HttpsServer server;
    private final ExecutorService executor;
    private final AdminToken token;
    private final ResourceStore store;
    private final ServiceRegistry registry;
    private final XdsServer xds;
    private final CertificateAuthority ca;
    private final Clock clock;
    private final Runnable trustBundleChanged;
    private final StatsViews views;

    private ApiServer(HttpsServer server, ExecutorService executor, AdminToken token, ResourceStore store,
                      ServiceRegistry registry, XdsServer xds, CertificateAuthority ca, Clock clock,
                      Runnable trustBundleChanged, StatsViews views) {
        this.server = server;
        this.executor = executor;
        this.token = token;
        this.store = store;
        this.registry = registry;
        this.xds = xds;
        this.ca = ca;
        this.clock = clock;
        this.trustBundleChanged = trustBundleChanged;
        this.views = views;
    }

    /**
     * Serves the API over HTTPS on {@code host:port} (0: an ephemeral port). {@code tls} holds the server's key
     * manager, consulted at each handshake (so a renewed certificate is served to new connections); {@code clock} is
     * the one the CA runs on; {@code trustBundleChanged} runs after each root rotation step the API performs;
     * {@code views} answers {@code /v1/stats/*}.
     */
    public static ApiServer start(String host, int port, SSLContext tls, AdminToken token, ResourceStore store,
                                  ServiceRegistry registry, XdsServer xds, CertificateAuthority ca, Clock clock,
                                  Runnable trustBundleChanged, StatsViews views) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(host, port), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters parameters) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setProtocols(TLS_PROTOCOLS.toArray(String[]::new));
                // the API authenticates callers by the admin token, not by certificate
                ssl.setNeedClientAuth(false);
                ssl.setWantClientAuth(false);
                parameters.setSSLParameters(ssl);
            }
        });
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "weft-api-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        ApiServer api = new ApiServer(server, executor, token, store, registry, xds, ca, clock, trustBundleChanged,
                views);
        server.createContext("/", api::handle);
        server.start();
        return api;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Response response;
            try {
                response = route(exchange);
            } catch (BadRequest e) {
                response = new Response(e.status, JSON.createObjectNode().put("error", e.getMessage()), null,
                        e.headers);
            } catch (RuntimeException | IOException e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = error(500, "internal error: " + e);
            }
            byte[] body;
            if (response.pem() != null) {
                body = response.pem().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/x-pem-file");
            } else {
                body = JSON.writeValueAsBytes(response.body());
                exchange.getResponseHeaders().set("Content-Type", "application/json");
            }
            response.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(response.status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private Response route(HttpExchange exchange) throws IOException, BadRequest {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        refuseBrowsers(exchange, method);
        if (!(method.equals("GET") && (path.equals("/v1/trust-bundle") || path.equals("/healthz")))) {
            authenticate(exchange);
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        return switch (path) {
            case "/healthz" -> only(method, "GET", () -> ok(JSON.createObjectNode().put("status", "ok")));
            case "/v1/apply" -> only(method, "POST", () -> apply(body(exchange), query));
            case "/v1/resources" -> switch (method) {
                case "GET" -> getResources(query);
                case "DELETE" -> deleteResource(query);
                default -> throw new BadRequest(405, "method " + method + " is not allowed on " + path);
            };
            case "/v1/instances" -> switch (method) {
                case "POST" -> register(body(exchange));
                case "DELETE" -> deregister(query);
                default -> throw new BadRequest(405, "method " + method + " is not allowed on " + path);
            };
            case "/v1/instances/heartbeat" -> only(method, "POST", () -> heartbeat(query));
            case "/v1/registry" -> only(method, "GET", this::registryView);
            case "/v1/proxies" -> only(method, "GET", this::proxies);
            case "/v1/proxy-config" -> only(method, "GET", () -> proxyConfig(query));
            case "/v1/tokens" -> only(method, "POST", () -> createToken(body(exchange)));
            case "/v1/trust-bundle" -> only(method, "GET", () -> new Response(200, null, ca.bundle().toPem(),
                    Map.of()));
            case "/v1/ca" -> only(method, "GET", () -> ok(caStatus()));
            case "/v1/ca/rotate" -> only(method, "POST", () -> rotate(body(exchange)));
            case "/v1/stats/services" -> only(method, "GET", () -> ok(views.services(window(query))));
            case "/v1/stats/graph" -> only(method, "GET", () -> ok(views.graph(window(query))));
            default -> throw new BadRequest(404, "no such endpoint: " + path);
        };
    }

    /**
     * Admits a request that carries the admin token as a bearer token (RFC 6750); the comparison takes the same time
     * wherever a wrong token differs.
     */
    private void authenticate(HttpExchange exchange) throws BadRequest {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            throw new BadRequest(401, "this endpoint needs the admin token (Authorization: Bearer <token>); the "
                    + "control plane keeps it in its data directory, file " + AdminToken.FILE_NAME,
                    Map.of("WWW-Authenticate", REALM));
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        if (!scheme.equalsIgnoreCase("Bearer")) {
            throw new BadRequest(401, "the Authorization header must be 'Bearer <admin token>', got scheme '"
                    + scheme + "'", Map.of("WWW-Authenticate", REALM + ", error=\"invalid_request\""));
        }
        if (!token.matches(authorization.substring(space + 1).strip())) {
            throw new BadRequest(401, "the admin token is not valid",
                    Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\""));
        }
    }

    /**
     * Browsers must not reach the API even with a token in hand (a page cannot read the token, but a browser
     * extension or a misconfigured proxy might add one), so what a web page could send is refused: a browser sends
     * {@code Origin} on cross-site requests, cannot send a JSON POST cross-site without a CORS preflight (which
     * this server never grants), and a DNS-rebound page names a host that is not this server's.
     */
    private void refuseBrowsers(HttpExchange exchange, String method) throws BadRequest {
        if (exchange.getRequestHeaders().containsKey("Origin")) {
            throw new BadRequest(403, "requests from web pages (with an Origin header) are refused");
        }
        if (method.equals("POST") || method.equals("PUT") || method.equals("DELETE")) {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                throw new BadRequest(415, method + " needs Content-Type: application/json, got " + type);
            }
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host != null && !allowedHost(host)) {
            throw new BadRequest(403, "Host '" + host + "' is not this server's address");
        }
    }

    private boolean allowedHost(String hostHeader) {
        String host = hostHeader;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        String bound = server.getAddress().getAddress().getHostAddress();
        return host.equalsIgnoreCase("localhost") || host.equals("127.0.0.1") || host.equals("::1")
                || host.equals(bound) || server.getAddress().getAddress().isAnyLocalAddress();
    }

    private Response apply(JsonNode body, Map<String, String> query) throws IOException, BadRequest {
        boolean dryRun = Boolean.parseBoolean(query.getOrDefault("dryRun", "false"));
        JsonNode items = body.get("resources");
        if (items == null || !items.isArray()) {
            throw new BadRequest(400, "body must be {\"resources\": [<resource>, ...]}");
        }
        List<Resource<?>> resources = new ArrayList<>();
        List<ResourceProblem> problems = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            ResourceTrees.Read read = ResourceTrees.read(items.get(i), "");
            String label = read.label() == null ? "resources[" + i + "]" : read.label();
            read.problems().forEach(p -> problems.add(new ResourceProblem(null, 0, label, p.path(), p.message())));
            if (read.resource() != null) {
                resources.add(read.resource());
            }
        }
        if (!problems.isEmpty()) {
            return problems(problems);
        }
        ApplyResult result;
        try {
            result = store.apply(resources, dryRun);
        } catch (ResourceException e) {
            return problems(e.problems());
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("dryRun", result.dryRun());
        out.put("version", result.generation());
        ArrayNode changes = out.putArray("changes");
        for (ApplyResult.Change change : result.changes()) {
            key(changes.addObject(), change.key()).put("action", change.action().wireName());
        }
        return ok(out);
    }

    private Response getResources(Map<String, String> query) throws BadRequest {
        Kind kind = kind(query);
        String name = query.get("name");
        ArrayNode items = JSON.createArrayNode();
        if (name != null) {
            ResourceKey key = new ResourceKey(kind, namespace(kind, query), name);
            Optional<Resource<?>> resource = store.get(key);
            if (resource.isEmpty()) {
                throw new BadRequest(404, key + " not found");
            }
            items.add(ResourceWriter.toTree(resource.get()));
        } else {
            String namespace = kind.namespaced() ? query.get("namespace") : null;
            store.list(kind, namespace).forEach(r -> items.add(ResourceWriter.toTree(r)));
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("items", items);
        return ok(out);
    }

    private Response deleteResource(Map<String, String> query) throws IOException, BadRequest {
        Kind kind = kind(query);
        ResourceKey key = new ResourceKey(kind, namespace(kind, query), required(query, "name"));
        try {
            if (store.delete(key).isEmpty()) {
                throw new BadRequest(404, key + " not found");
            }
        } catch (ResourceException e) {
            return problems(e.problems());
        }
        ObjectNode out = JSON.createObjectNode();
        key(out.putObject("deleted"), key);
        return ok(out);
    }

    private Response register(JsonNode body) throws BadRequest {
        ResourceTrees.Read read = ResourceTrees.read(body, "");
        if (!read.problems().isEmpty()) {
            return problems(read.problems().stream().map(p -> new ResourceProblem(null, 0, read.label(), p.path(),
                    p.message())).toList());
        }
        Optional<Resource<ServiceInstanceSpec>> instance = read.resource().as(ServiceInstanceSpec.class);
        if (instance.isEmpty()) {
            throw new BadRequest(400, "kind: must be ServiceInstance, got " + read.resource().kind());
        }
        try {
            registry.register(instance.get());
        } catch (DeclaredInstanceException e) {
            throw new BadRequest(409, e.getMessage());
        }
        ObjectMeta meta = instance.get().metadata();
        return ok(JSON.createObjectNode().put("name", meta.name()).put("namespace", meta.namespace()));
    }

    private Response heartbeat(Map<String, String> query) throws BadRequest {
        String namespace = query.getOrDefault("namespace", ObjectMeta.DEFAULT_NAMESPACE);
        String name = required(query, "name");
        if (!registry.heartbeat(namespace, name)) {
            throw new BadRequest(404, "instance " + namespace + "/" + name + " is not registered");
        }
        return ok(JSON.createObjectNode().put("name", name).put("namespace", namespace));
    }

    private Response deregister(Map<String, String> query) throws BadRequest {
        String namespace = query.getOrDefault("namespace", ObjectMeta.DEFAULT_NAMESPACE);
        String name = required(query, "name");
        try {
            if (!registry.deregister(namespace, name)) {
                throw new BadRequest(404, "instance " + namespace + "/" + name + " is not registered");
            }
        } catch (DeclaredInstanceException e) {
            throw new BadRequest(409, e.getMessage());
        }
        return ok(JSON.createObjectNode().put("name", name).put("namespace", namespace));
    }

    private Response registryView() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode services = out.putArray("services");
        for (ServiceView service : registry.snapshot().services()) {
            ObjectNode s = services.addObject();
            s.put("namespace", service.namespace());
            s.put("name", service.name());
            s.put("declared", service.declared());
            ArrayNode ports = s.putArray("ports");
            for (ServicePort port : service.ports()) {
                ports.addObject().put("name", port.name()).put("port", port.port())
                        .put("protocol", port.protocol().name());
            }
            ArrayNode instances = s.putArray("instances");
            for (InstanceView instance : service.instances()) {
                ObjectNode i = instances.addObject();
                i.put("name", instance.name());
                i.put("address", instance.address());
                i.put("port", instance.port());
                ObjectNode labels = i.putObject("labels");
                new TreeMap<>(instance.labels()).forEach(labels::put);
                i.put("health", instance.health().name());
                i.put("source", instance.source().wireName());
                i.put("lastHeartbeat", instance.lastHeartbeat() == null ? null : instance.lastHeartbeat().toString());
            }
        }
        return ok(out);
    }

    private Response proxies() {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode proxies = out.putArray("proxies");
        for (ProxyStatus proxy : xds.proxies()) {
            ObjectNode p = proxies.addObject();
            p.put("id", proxy.id());
            p.put("namespace", proxy.namespace());
            p.put("service", proxy.service());
            p.put("connectedAt", proxy.connectedAt().toString());
            p.put("adminAddress", proxy.adminAddress());
            ObjectNode types = p.putObject("types");
            proxy.types().forEach((type, status) -> types.putObject(type)
                    .put("status", status.status().name())
                    .put("sent", status.sent())
                    .put("acked", status.acked())
                    .put("error", status.error()));
        }
        return ok(out);
    }

    /** What the control plane currently sends one connected node, of one type (secrets without key material). */
    private Response proxyConfig(Map<String, String> query) throws BadRequest {
        String id = query.get("id");
        String type = query.get("type");
        if (id == null || id.isEmpty()) {
            throw new BadRequest(400, "id: is required (a node id, as GET /v1/proxies lists them)");
        }
        if (type == null || !ProxyConfigView.TYPES.containsKey(type)) {
            throw new BadRequest(400, "type: must be one of " + new TreeMap<>(ProxyConfigView.TYPES).keySet()
                    + ", got " + (type == null ? "nothing" : "\"" + type + "\""));
        }
        Snapshot snapshot = xds.snapshot(id);
        if (snapshot == null) {
            throw new BadRequest(404, "no proxy " + id + " is connected");
        }
        return ok(ProxyConfigView.render(id, type, snapshot));
    }

    private Response createToken(JsonNode body) throws IOException, BadRequest {
        String namespace = textField(body, "namespace");
        String account = textField(body, "account");
        String ttlText = textField(body, "ttl");
        Duration ttl = Durations.parse(ttlText);
        if (ttl == null || ttl.isZero()) {
            throw new BadRequest(400, "ttl: " + Durations.FORMAT_MESSAGE + " and more than 0, got \"" + ttlText
                    + "\"");
        }
        SpiffeId identity;
        try {
            identity = new SpiffeId(ca.trustDomain(), namespace, account);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
        if (identity.equals(SpiffeId.controlPlane(ca.trustDomain()))) {
            // clients of the API and the xDS port trust whoever holds this identity to be the control plane
            throw new BadRequest(400, identity + " is the control plane's own identity; no workload may join as it");
        }
        // read before the token is made, so the expiry reported is never later than the one the CA keeps
        Instant expiresAt = clock.instant().plus(ttl);
        String token = ca.joinTokens().create(namespace, account, ttl);
        return ok(JSON.createObjectNode().put("token", token).put("spiffeId", identity.toString())
                .put("expiresAt", expiresAt.toString()));
    }

    /** The CA's trust domain, SVID lifetime, roots (each active, pending or old), issuers, and the next step. */
    private ObjectNode caStatus() {
        ObjectNode out = JSON.createObjectNode();
        out.put("trustDomain", ca.trustDomain());
        out.put("svidLifetime", Durations.format(ca.svidLifetime()));
        List<X509Certificate> active = ca.issuerChain();
        List<X509Certificate> pending = ca.pendingIssuerChain();
        X509Certificate activeRoot = active.get(active.size() - 1);
        X509Certificate pendingRoot = pending.isEmpty() ? null : pending.get(pending.size() - 1);
        boolean old = false;
        ArrayNode roots = out.putArray("roots");
        for (X509Certificate root : ca.bundle().roots()) {
            String state;
            if (root.equals(activeRoot)) {
                state = "active";
            } else if (root.equals(pendingRoot)) {
                state = "pending";
            } else {
                state = "old";
                old = true;
            }
            certificate(roots.addObject(), root).put("state", state);
        }
        certificate(out.putObject("activeIssuer"), active.get(0)).put("root", sha256(activeRoot));
        if (pendingRoot == null) {
            out.putNull("pendingIssuer");
        } else {
            certificate(out.putObject("pendingIssuer"), pending.get(0)).put("root", sha256(pendingRoot));
        }
        // the three steps in order: add (a new root joins the bundle), activate (it issues), remove-old
        out.put("nextStep", pendingRoot != null ? "activate" : old ? "remove-old" : "add");
        return out;
    }

    /**
     * One root rotation step ({@code {"step": "add" | "activate" | "remove-old"}}); the answer is the CA's state
     * after it. A step that does not fit the CA's state (activate with nothing added, remove-old with no old root,
     * add while one is pending) is 409 with the CA's reason.
     */
    private Response rotate(JsonNode body) throws BadRequest {
        String step = textField(body, "step");
        try {
            switch (step) {
                case "add" -> ca.rotateRootAdd();
                case "activate" -> ca.rotateRootActivate();
                case "remove-old" -> ca.rotateRootRemoveOld();
                default -> throw new BadRequest(400, "step: must be add, activate or remove-old, got \"" + step
                        + "\"");
            }
        } catch (IllegalStateException e) {
            throw new BadRequest(409, e.getMessage());
        } catch (CaException e) {
            // the CA's files could not be written: nothing changed (each step is persisted before it takes effect)
            LOG.error("root rotation step {} failed", step, e);
            return error(500, "root rotation step " + step + " failed: " + e.getMessage());
        }
        LOG.info("root rotation step {} done; trust bundle now has {} root(s)", step, ca.bundle().roots().size());
        trustBundleChanged.run();
        return ok(caStatus());
    }

    private static ObjectNode certificate(ObjectNode node, X509Certificate certificate) {
        return node.put("subject", certificate.getSubjectX500Principal().getName())
                .put("sha256", sha256(certificate))
                .put("notBefore", certificate.getNotBefore().toInstant().toString())
                .put("notAfter", certificate.getNotAfter().toInstant().toString());
    }

    /** The SHA-256 fingerprint of a certificate's DER encoding, as openssl prints it (upper-case hex, colons). */
    static String sha256(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint " + certificate.getSubjectX500Principal(), e);
        }
    }

    /** The {@code window} parameter of the stats views (default 1m, at most their retention). */
    private Duration window(Map<String, String> query) throws BadRequest {
        try {
            return views.window(query.get("window"));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
    }

    private static String textField(JsonNode body, String field) throws BadRequest {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new BadRequest(400, field + ": is required");
        }
        if (!value.isTextual() || value.textValue().isEmpty()) {
            throw new BadRequest(400, field + ": must be a non-empty string");
        }
        return value.textValue();
    }

    private static Response problems(List<ResourceProblem> problems) {
        ObjectNode out = JSON.createObjectNode();
        out.put("error", new ResourceException(problems).getMessage());
        ArrayNode list = out.putArray("problems");
        for (ResourceProblem problem : problems) {
            list.addObject().put("resource", problem.resource()).put("path", problem.path())
                    .put("message", problem.message());
        }
        return new Response(400, out);
    }

    private static ObjectNode key(ObjectNode node, ResourceKey key) {
        return node.put("kind", key.kind().kindName()).put("namespace", key.namespace()).put("name", key.name());
    }

    private static Kind kind(Map<String, String> query) throws BadRequest {
        String text = required(query, "kind");
        return Kind.fromKindName(text).or(() -> Kind.parse(text)).orElseThrow(() -> new BadRequest(400,
                "unknown kind \"" + text + "\"; expected one of " + List.of(Kind.values())));
    }

    /** The namespace of a key: "" for a cluster-scoped kind, else the parameter or "default". */
    private static String namespace(Kind kind, Map<String, String> query) {
        return kind.namespaced() ? query.getOrDefault("namespace", ObjectMeta.DEFAULT_NAMESPACE) : "";
    }

    private static String required(Map<String, String> query, String name) throws BadRequest {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            throw new BadRequest(400, "query parameter \"" + name + "\" is required");
        }
        return value;
    }

    private static JsonNode body(HttpExchange exchange) throws IOException, BadRequest {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new BadRequest(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new BadRequest(400, "body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadRequest(400, "body is not JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> result = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return result;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            result.putIfAbsent(name, value);
        }
        return result;
    }

    private static Response only(String method, String allowed, Handler handler)
            throws IOException, BadRequest {
        if (!method.equals(allowed)) {
            throw new BadRequest(405, "method " + method + " is not allowed; use " + allowed);
        }
        return handler.handle();
    }

    private static Response ok(JsonNode body) {
        return new Response(200, body);
    }

    private static Response error(int status, String message) {
        return new Response(status, JSON.createObjectNode().put("error", message));
    }

    /** A status, a JSON body or a PEM text, and extra headers. */
    private record Response(int status, JsonNode body, String pem, Map<String, String> headers) {
        Response(int status, JsonNode body) {
            this(status, body, null, Map.of());
        }
    }

    /** One endpoint's work. */
    @FunctionalInterface
    private interface Handler {
        Response handle() throws IOException, BadRequest;
    }

    /** A request the API refuses, with the status, message and extra headers to answer. */
    private static final class BadRequest extends Exception {
        final int status;
        final Map<String, String> headers;

        BadRequest(int status, String message) {
            this(status, message, Map.of());
        }

        BadRequest(int status, String message, Map<String, String> headers) {
            super(message);
            this.status = status;
            this.headers = headers;
        }
    }
}
