package dev.weft.controlplane.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.Kind;
import dev.weft.api.Resource;
import dev.weft.api.ResourceException;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceWriter;
import dev.weft.api.internal.Durations;
import dev.weft.api.registry.ServiceInstanceSpec;
import dev.weft.ca.TrustBundle;
import dev.weft.ca.tls.ControlPlaneTrustManager;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * A Java client of the control plane's HTTP API, one method per endpoint, for the {@code weft} CLI and tests. It
 * speaks HTTPS only and sends the admin token as a bearer token, but only to a server that proved to be the control
 * plane: its certificate must chain to the trust bundle and name
 * {@code spiffe://<td>/ns/weft-system/sa/weft-control-plane} (see {@link ControlPlaneTrustManager}); otherwise the
 * call fails with {@link UntrustedControlPlaneException}. A refusal is a {@link ControlPlaneException} carrying the
 * server's message; "not found" is an empty result where the endpoint defines one. Thread-safe.
 */
public final class ControlPlaneClient {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final URI base;
    private final String token;
    private final HttpClient http;

    /**
     * A client of the control plane whose API is at {@code base} (e.g. {@code https://127.0.0.1:18080}), sending
     * {@code token} (null: none, for {@link #trustBundle()} and {@link #healthy()}), and trusting a server whose
     * certificate chains to {@code bundle}.
     *
     * @throws IllegalArgumentException when {@code base} is not an https URL with a host
     */
    public ControlPlaneClient(URI base, String token, TrustBundle bundle) {
        this(base, token, () -> bundle, Clock.systemUTC());
    }

    /**
     * Like {@link #ControlPlaneClient(URI, String, TrustBundle)} with the bundle read at each TLS handshake, for a
     * client that lives through root rotations (in the control plane's own process, the CA's current bundle), and
     * certificates checked for validity at {@code clock}'s time (the control plane's clock, a fake one in tests).
     */
    public ControlPlaneClient(URI base, String token, Supplier<TrustBundle> bundle, Clock clock) {
        if (!"https".equals(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("the control plane's API is HTTPS: expected https://HOST:PORT, got "
                    + base);
        }
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.token = token;
        SSLContext tls;
        try {
            tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {ControlPlaneTrustManager.inAnyTrustDomain(bundle, clock)}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no TLS: " + e.getMessage(), e);
        }
        SSLParameters parameters = tls.getDefaultSSLParameters();
        parameters.setProtocols(TLS_PROTOCOLS);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(tls)
                .sslParameters(parameters)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    public URI base() {
        return base;
    }

    /** {@code GET /healthz}: whether the control plane answers. */
    public boolean healthy() {
        try {
            return send("GET", "/healthz", null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code POST /v1/apply}: applies all of {@code resources} or none; with {@code dryRun}, only reports. */
    public ApplyResponse apply(Collection<? extends Resource<?>> resources, boolean dryRun) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("resources");
        resources.forEach(r -> items.add(ResourceWriter.toTree(r)));
        JsonNode answer = expectOk(send("POST", "/v1/apply" + (dryRun ? "?dryRun=true" : ""), body));
        List<ApplyResponse.Change> changes = new ArrayList<>();
        for (JsonNode change : answer.path("changes")) {
            changes.add(new ApplyResponse.Change(change.path("kind").asText(), change.path("namespace").asText(),
                    change.path("name").asText(), change.path("action").asText()));
        }
        return new ApplyResponse(answer.path("dryRun").asBoolean(), answer.path("version").asLong(), changes);
    }

    /** {@code GET /v1/resources}: the resources of {@code kind}, in {@code namespace} (null: every namespace). */
    public List<Resource<?>> list(Kind kind, String namespace) throws IOException {
        String query = "?kind=" + encode(kind.kindName())
                + (namespace == null ? "" : "&namespace=" + encode(namespace));
        return resources(expectOk(send("GET", "/v1/resources" + query, null)));
    }

    /** {@code GET /v1/resources} with a name: the resource, or empty when there is none. */
    public Optional<Resource<?>> get(Kind kind, String namespace, String name) throws IOException {
        HttpResponse<String> response = send("GET", "/v1/resources" + keyQuery(kind, namespace, name), null);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        List<Resource<?>> items = resources(expectOk(response));
        return items.stream().findFirst();
    }

    /** {@code DELETE /v1/resources}: true when the resource was deleted, false when there was none. */
    public boolean delete(Kind kind, String namespace, String name) throws IOException {
        HttpResponse<String> response = send("DELETE", "/v1/resources" + keyQuery(kind, namespace, name), null);
        if (response.statusCode() == 404) {
            return false;
        }
        expectOk(response);
        return true;
    }

    /** {@code POST /v1/instances}: registers or refreshes a run-time instance (its TTL is {@code spec.ttl}). */
    public void register(Resource<ServiceInstanceSpec> instance) throws IOException {
        expectOk(send("POST", "/v1/instances", ResourceWriter.toTree(instance)));
    }

    /** {@code POST /v1/instances/heartbeat}: false when the instance is not registered (register it again). */
    public boolean heartbeat(String namespace, String name) throws IOException {
        HttpResponse<String> response = send("POST", "/v1/instances/heartbeat" + instanceQuery(namespace, name), null);
        if (response.statusCode() == 404) {
            return false;
        }
        expectOk(response);
        return true;
    }

    /** {@code DELETE /v1/instances}: false when the instance was not registered. */
    public boolean deregister(String namespace, String name) throws IOException {
        HttpResponse<String> response = send("DELETE", "/v1/instances" + instanceQuery(namespace, name), null);
        if (response.statusCode() == 404) {
            return false;
        }
        expectOk(response);
        return true;
    }

    /** {@code GET /v1/registry}: every service with its instances. */
    public List<RegistryService> registry() throws IOException {
        JsonNode answer = expectOk(send("GET", "/v1/registry", null));
        List<RegistryService> services = new ArrayList<>();
        for (JsonNode s : answer.path("services")) {
            List<RegistryService.Port> ports = new ArrayList<>();
            for (JsonNode p : s.path("ports")) {
                ports.add(new RegistryService.Port(text(p, "name"), p.path("port").asInt(), text(p, "protocol")));
            }
            List<RegistryService.Instance> instances = new ArrayList<>();
            for (JsonNode i : s.path("instances")) {
                Map<String, String> labels = new TreeMap<>();
                i.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
                String heartbeat = text(i, "lastHeartbeat");
                instances.add(new RegistryService.Instance(text(i, "name"), text(i, "address"), i.path("port").asInt(),
                        labels, text(i, "health"), text(i, "source"),
                        heartbeat == null ? null : Instant.parse(heartbeat)));
            }
            services.add(new RegistryService(text(s, "namespace"), text(s, "name"), s.path("declared").asBoolean(),
                    ports, instances));
        }
        return services;
    }

    /** {@code GET /v1/proxies}: every connected proxy and its sync status per xDS type. */
    public List<ProxyInfo> proxies() throws IOException {
        JsonNode answer = expectOk(send("GET", "/v1/proxies", null));
        List<ProxyInfo> proxies = new ArrayList<>();
        for (JsonNode p : answer.path("proxies")) {
            Map<String, ProxyInfo.TypeSync> types = new LinkedHashMap<>();
            p.path("types").properties().forEach(e -> types.put(e.getKey(), new ProxyInfo.TypeSync(
                    text(e.getValue(), "status"), text(e.getValue(), "sent"), text(e.getValue(), "acked"),
                    text(e.getValue(), "error"))));
            proxies.add(new ProxyInfo(text(p, "id"), text(p, "namespace"), text(p, "service"),
                    Instant.parse(text(p, "connectedAt")), types, text(p, "adminAddress")));
        }
        return proxies;
    }

    /**
     * {@code GET /v1/stats/services?window=}: every known service's golden signals over the last {@code window}
     * (at most the control plane's retention, 15 minutes), from the metrics it scrapes off the proxies.
     */
    public List<ServiceStats> serviceStats(Duration window) throws IOException {
        JsonNode answer = expectOk(send("GET", "/v1/stats/services?window=" + Durations.format(window), null));
        List<ServiceStats> services = new ArrayList<>();
        for (JsonNode s : answer.path("services")) {
            services.add(serviceStats(s));
        }
        return services;
    }

    /** {@code GET /v1/stats/graph?window=}: the services and who called whom over the last {@code window}. */
    public ServiceGraph graph(Duration window) throws IOException {
        JsonNode answer = expectOk(send("GET", "/v1/stats/graph?window=" + Durations.format(window), null));
        List<ServiceStats> nodes = new ArrayList<>();
        for (JsonNode n : answer.path("nodes")) {
            nodes.add(serviceStats(n));
        }
        List<ServiceGraph.Edge> edges = new ArrayList<>();
        for (JsonNode e : answer.path("edges")) {
            edges.add(new ServiceGraph.Edge(text(e.path("source"), "namespace"), text(e.path("source"), "name"),
                    text(e.path("destination"), "namespace"), text(e.path("destination"), "name"),
                    e.path("requests").asLong(), e.path("rps").asDouble(), number(e, "successRate"), number(e, "p50"),
                    number(e, "p95"), number(e, "p99")));
        }
        return new ServiceGraph(text(answer, "window"), nodes, edges);
    }

    private static ServiceStats serviceStats(JsonNode s) {
        return new ServiceStats(text(s, "namespace"), text(s, "name"), s.path("requests").asLong(),
                s.path("rps").asDouble(), number(s, "successRate"), number(s, "p50"), number(s, "p95"),
                number(s, "p99"));
    }

    private static Double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isNumber() ? null : value.asDouble();
    }

    /**
     * {@code GET /v1/proxy-config}: what the control plane currently sends the connected node {@code id}, of one
     * {@code type} (listeners, routes, clusters, endpoints, secrets): {@code {"id","type","version","resources"}},
     * resources as Envoy's JSON, secrets summarised without key material.
     */
    public JsonNode proxyConfig(String id, String type) throws IOException {
        return expectOk(send("GET", "/v1/proxy-config?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                + "&type=" + URLEncoder.encode(type, StandardCharsets.UTF_8), null));
    }

    /**
     * {@code POST /v1/tokens}: a one-time join token for {@code namespace}/{@code account}, valid for {@code ttl}
     * (whole milliseconds).
     */
    public JoinToken createToken(String namespace, String account, Duration ttl) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("namespace", namespace).put("account", account)
                .put("ttl", Durations.format(ttl));
        JsonNode answer = expectOk(send("POST", "/v1/tokens", body));
        return new JoinToken(text(answer, "token"), text(answer, "spiffeId"),
                Instant.parse(text(answer, "expiresAt")));
    }

    /** {@code GET /v1/ca}: the CA's trust domain, roots, issuers and the next root rotation step. */
    public CaStatus caStatus() throws IOException {
        return caStatus(expectOk(send("GET", "/v1/ca", null)));
    }

    /**
     * {@code POST /v1/ca/rotate}: one root rotation step; the CA's state after it. A step out of order is a
     * {@link ControlPlaneException} with status 409 and the CA's reason.
     */
    public CaStatus rotate(RotationStep step) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("step", step.wireName());
        return caStatus(expectOk(send("POST", "/v1/ca/rotate", body)));
    }

    /** {@code GET /v1/trust-bundle}: the roots workloads must trust, as PEM. */
    public String trustBundle() throws IOException {
        HttpResponse<String> response = send("GET", "/v1/trust-bundle", null);
        if (response.statusCode() != 200) {
            expectOk(response); // throws the server's error
        }
        return response.body();
    }

    private static CaStatus caStatus(JsonNode answer) {
        List<CaStatus.Root> roots = new ArrayList<>();
        for (JsonNode r : answer.path("roots")) {
            roots.add(new CaStatus.Root(text(r, "subject"), text(r, "sha256"), instant(r, "notBefore"),
                    instant(r, "notAfter"), text(r, "state")));
        }
        return new CaStatus(text(answer, "trustDomain"), Durations.parse(text(answer, "svidLifetime")), roots,
                issuer(answer.get("activeIssuer")), issuer(answer.get("pendingIssuer")), text(answer, "nextStep"));
    }

    private static CaStatus.Issuer issuer(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return new CaStatus.Issuer(text(node, "subject"), text(node, "sha256"), instant(node, "notBefore"),
                instant(node, "notAfter"), text(node, "root"));
    }

    private static Instant instant(JsonNode node, String field) {
        String value = text(node, field);
        return value == null ? null : Instant.parse(value);
    }

    private List<Resource<?>> resources(JsonNode answer) throws IOException {
        ObjectNode list = JSON.createObjectNode();
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        list.set("items", answer.path("items"));
        try {
            return new ResourceLoader().load(JSON.writeValueAsString(list), base + "/v1/resources.json").resources();
        } catch (ResourceException e) {
            throw new IOException("the control plane answered resources this client cannot read: " + e.getMessage(),
                    e);
        }
    }

    private HttpResponse<String> send(String method, String pathAndQuery, JsonNode body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body == null) {
            // the server takes changes only as JSON (a web page cannot send that cross-site without a preflight)
            if (!method.equals("GET")) {
                request.header("Content-Type", "application/json");
            }
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling the control plane at " + base, e);
        } catch (SSLHandshakeException e) {
            CertificateException refused = certificateRefusal(e);
            if (refused != null) {
                throw new UntrustedControlPlaneException(base, refused.getMessage(), e);
            }
            throw new IOException("TLS handshake with the control plane at " + base + " failed: " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new IOException("cannot reach the control plane at " + base + ": " + e.getMessage(), e);
        }
    }

    /** The trust manager's refusal inside a failed handshake, if that is why it failed. */
    private static CertificateException certificateRefusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateException refused) {
                return refused;
            }
        }
        return null;
    }

    private static JsonNode expectOk(HttpResponse<String> response) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            body = null;
        }
        if (response.statusCode() != 200) {
            String message = body != null && body.hasNonNull("error") ? body.get("error").asText()
                    : "HTTP " + response.statusCode() + " from " + response.uri();
            Optional<Duration> retryAfter = response.headers().firstValue("Retry-After")
                    .filter(v -> v.matches("[0-9]{1,9}")).map(v -> Duration.ofSeconds(Long.parseLong(v)));
            throw new ControlPlaneException(response.statusCode(), message, retryAfter.orElse(null));
        }
        if (body == null) {
            throw new IOException("the control plane answered " + response.uri() + " with a body that is not JSON");
        }
        return body;
    }

    private static String keyQuery(Kind kind, String namespace, String name) {
        return "?kind=" + encode(kind.kindName()) + (namespace == null || namespace.isEmpty() ? ""
                : "&namespace=" + encode(namespace)) + "&name=" + encode(name);
    }

    private static String instanceQuery(String namespace, String name) {
        return "?namespace=" + encode(namespace) + "&name=" + encode(name);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
