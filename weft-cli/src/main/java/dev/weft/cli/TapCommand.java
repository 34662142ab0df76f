package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.controlplane.client.ProxyInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft tap <proxy>}: a live stream of the requests a proxy finishes, from its admin {@code /tap}, filtered
 * by service or authority, path prefix and status. The proxy's admin address comes from the control plane
 * (the sidecar reports it), or from {@code --admin}.
 */
@Command(name = "tap", mixinStandardHelpOptions = true,
        description = "Stream the requests a proxy finishes, live: one line each (or the proxy's JSON with -o json).")
final class TapCommand implements Callable<Integer> {
    enum Format { wide, json }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", arity = "0..1", paramLabel = "PROXY",
            description = "The proxy: its node id, or its service (NAME or NAME.NAMESPACE) when one proxy serves it.")
    private String proxy;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Tap this admin listener instead of asking the control plane.")
    private String admin;

    @Option(names = "--service", paramLabel = "NAME", description = "Only requests to this service (NAME, NAME.NS, ...).")
    private String service;

    @Option(names = "--authority", paramLabel = "HOST", description = "Only requests whose :authority host is this.")
    private String authority;

    @Option(names = "--path", paramLabel = "PREFIX", description = "Only requests whose path starts with this.")
    private String path;

    @Option(names = "--status", paramLabel = "CODES", description = "Only these statuses: codes or classes, e.g. 5xx,429.")
    private String status;

    @Option(names = {"-c", "--count"}, paramLabel = "N", description = "Stop after N requests.")
    private Long count;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "wide",
            description = "wide (a line per request) or json (the proxy's JSON lines) (default: ${DEFAULT-VALUE}).")
    private Format format;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String address = admin;
        if (address == null) {
            if (proxy == null) {
                err.println("weft tap: name a PROXY (see weft proxy-status), or give --admin HOST:PORT");
                return 2;
            }
            try {
                ProxyInfo p = Proxies.find(server.client(), proxy);
                address = p.adminAddress();
                if (address == null) {
                    err.println("weft tap: proxy " + p.id() + " did not report its admin address; use --admin HOST:PORT");
                    return 1;
                }
            } catch (IOException e) {
                err.println("weft tap: " + server.describe(e));
                return 1;
            }
        }
        StringBuilder query = new StringBuilder();
        param(query, "service", service);
        param(query, "authority", authority);
        param(query, "path", path);
        param(query, "status", status);
        param(query, "count", count == null ? null : Long.toString(count));
        URI uri = URI.create("http://" + address + "/tap" + query);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            err.println("weft tap: cannot reach the proxy's admin at " + address + ": " + e.getMessage());
            return 1;
        }
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().toList()).strip();
            err.println("weft tap: " + address + " answered " + response.statusCode() + ": " + body);
            return 1;
        }
        if (format == Format.wide) {
            out.printf("%-24s %-6s %-28s %-40s %6s %-24s %8s %s%n", "START", "METHOD", "AUTHORITY", "PATH", "STATUS",
                    "FLAGS", "DURATION", "UPSTREAM");
            out.flush();
        }
        try (Stream<String> lines = response.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                if (n.has("tap_dropped")) {
                    err.println("weft tap: " + n.get("tap_dropped").asLong() + " requests dropped so far (this tap read too slowly)");
                    err.flush();
                    continue;
                }
                if (format == Format.json) {
                    out.println(line);
                } else {
                    out.printf("%-24s %-6s %-28s %-40s %6s %-24s %8s %s%n", text(n, "start_time"), text(n, "method"),
                            text(n, "authority"), text(n, "path"), text(n, "response_code"), text(n, "response_flags"),
                            n.path("duration").isNumber() ? n.get("duration").asLong() + "ms" : "-",
                            text(n, "upstream_host"));
                }
                out.flush();
            }
        }
        return 0;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "-" : v.asText();
    }

    private static void param(StringBuilder query, String name, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        query.append(query.isEmpty() ? '?' : '&').append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
}
