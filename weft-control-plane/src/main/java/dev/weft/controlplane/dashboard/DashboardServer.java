package dev.weft.controlplane.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.controlplane.stats.ServiceKey;
import dev.weft.controlplane.stats.StatsViews;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard: static pages (HTML, CSS, JavaScript from this package's resources, no third-party code) and the
 * read-only JSON they draw from ({@code /api/graph}, {@code /api/services}, {@code /api/service}, {@code /api/proxies}),
 * served over plain HTTP on loopback only.
 *
 * <p>Why not on the HTTPS API: the API needs the admin token and refuses browsers, and a page cannot hold the token
 * without exposing it to everything that runs in the page. The dashboard therefore has no token and can change
 * nothing; it shows what the token's holder can already see on this host, and only to processes on this host:
 * it binds {@code 127.0.0.1} and nothing else, answers only GET, refuses a {@code Host} that is not a loopback name
 * (a DNS-rebound page), and sends no CORS headers, so other sites' pages cannot read it. See docs/architecture.md.
 */
public final class DashboardServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/app.js", "app.js",
            "/app.css", "app.css");

    private final HttpServer server;
    private final ExecutorService executor;
    private final StatsViews views;

    private DashboardServer(HttpServer server, ExecutorService executor, StatsViews views) {
        this.server = server;
        this.executor = executor;
        this.views = views;
    }

    /** Serves the dashboard on {@code 127.0.0.1:port} (0: an ephemeral port). */
    public static DashboardServer start(String loopbackAddress, int port, StatsViews views) throws IOException {
        InetAddress address = InetAddress.getByName(loopbackAddress);
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("the dashboard listens on loopback only, not " + loopbackAddress);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 32);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "weft-dashboard-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        DashboardServer dashboard = new DashboardServer(server, executor, views);
        server.createContext("/", dashboard::handle);
        server.start();
        return dashboard;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where a browser on this host opens the dashboard. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            byte[] body;
            String type;
            try {
                String path = exchange.getRequestURI().getPath();
                if (!loopbackHost(exchange.getRequestHeaders().getFirst("Host"))) {
                    throw new Refused(403, "Host '" + exchange.getRequestHeaders().getFirst("Host")
                            + "' is not a loopback address");
                }
                if (!exchange.getRequestMethod().equals("GET")) {
                    exchange.getResponseHeaders().set("Allow", "GET");
                    throw new Refused(405, "the dashboard is read-only: GET only");
                }
                String file = STATIC.get(path);
                if (path.equals("/favicon.ico")) {
                    // browsers ask for it; there is none, and a 404 would be logged in every page's console
                    exchange.getResponseHeaders().set("Cache-Control", "max-age=86400");
                    exchange.sendResponseHeaders(204, -1);
                    return;
                } else if (file != null) {
                    body = resource(file);
                    type = file.endsWith(".html") ? "text/html; charset=utf-8"
                            : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
                } else {
                    body = JSON.writeValueAsBytes(api(path, query(exchange.getRequestURI().getRawQuery())));
                    type = "application/json";
                }
            } catch (Refused e) {
                status = e.status;
                body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", e.getMessage()));
                type = "application/json";
            } catch (IllegalArgumentException e) {
                status = 400;
                body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", e.getMessage()));
                type = "application/json";
            } catch (RuntimeException e) {
                LOG.error("dashboard {} failed", exchange.getRequestURI(), e);
                status = 500;
                body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", "internal error: " + e));
                type = "application/json";
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private JsonNode api(String path, Map<String, String> query) throws Refused {
        Duration window = views.window(query.get("window"));
        return switch (path) {
            case "/api/graph" -> views.graph(window);
            case "/api/services" -> views.services(window);
            case "/api/proxies" -> views.proxies();
            case "/api/service" -> {
                String name = query.get("name");
                if (name == null || name.isEmpty()) {
                    throw new IllegalArgumentException("query parameter \"name\" is required");
                }
                yield views.service(new ServiceKey(query.getOrDefault("namespace", "default"), name), window);
            }
            default -> throw new Refused(404, "no such page: " + path);
        };
    }

    private static byte[] resource(String file) {
        try (InputStream in = DashboardServer.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + file + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read dashboard resource " + file, e);
        }
    }

    /** A Host header naming loopback: 127.0.0.1, localhost or [::1], with or without a port. */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return true;
        }
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(1, end);
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        return name.equals("127.0.0.1") || name.equalsIgnoreCase("localhost") || name.equals("::1");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> result = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return result;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            result.putIfAbsent(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return result;
    }

    /** A request the dashboard refuses, with its status. */
    private static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
