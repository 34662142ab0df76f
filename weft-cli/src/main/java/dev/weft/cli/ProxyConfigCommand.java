package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ProxyInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft proxy-config <proxy> listeners|routes|clusters|endpoints|secrets}: what the control plane currently
 * sends one proxy (from its snapshot), as a table, JSON or YAML. Secrets show names, identities and validity only;
 * with them, the proxy's own certificate (from its identity agent, which the control plane never sends) as the
 * proxy's admin {@code /certs} reports it, under {@code proxy}.
 */
@Command(name = "proxy-config", mixinStandardHelpOptions = true,
        description = "Show what the control plane currently sends one proxy: its listeners, routes, clusters, "
                + "endpoints or secrets (names, SPIFFE IDs and expiry; never key material).")
final class ProxyConfigCommand implements Callable<Integer> {
    enum Type { listeners, routes, clusters, endpoints, secrets }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final YAMLMapper YAML = new YAMLMapper();

    @Parameters(index = "0", paramLabel = "PROXY", description = "The proxy: its node id, or its service (NAME or NAME.NAMESPACE) when one proxy serves it.")
    private String proxy;

    @Parameters(index = "1", paramLabel = "TYPE", description = "listeners, routes, clusters, endpoints or secrets.")
    private Type type;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
    private GetCommand.Format format;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ControlPlaneClient client = server.client();
        JsonNode config;
        ProxyInfo p;
        try {
            p = Proxies.find(client, proxy);
            config = client.proxyConfig(p.id(), type.name());
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft proxy-config: " + server.describe(e));
            return 1;
        }
        if (type == Type.secrets && p.adminAddress() != null) {
            // the sidecar's own certificate comes from its identity agent, not from the control plane: ask the proxy
            try {
                ((com.fasterxml.jackson.databind.node.ObjectNode) config).set("proxy", proxyCerts(p.adminAddress()));
            } catch (IOException e) {
                spec.commandLine().getErr().println("weft proxy-config: the proxy's own certificates are not shown: "
                        + "its admin at " + p.adminAddress() + " did not answer (" + e.getMessage() + ")");
            }
        }
        switch (format) {
            case json -> out.println(JSON.writeValueAsString(config));
            case yaml -> out.print(YAML.writeValueAsString(config));
            case table -> table(config).print(out);
        }
        out.flush();
        return 0;
    }

    private Table table(JsonNode config) {
        JsonNode resources = config.path("resources");
        return switch (type) {
            case listeners -> listeners(resources);
            case routes -> routes(resources);
            case clusters -> clusters(resources);
            case endpoints -> endpoints(resources);
            case secrets -> secrets(resources, config.path("proxy"));
        };
    }

    private static Table listeners(JsonNode resources) {
        Table t = new Table("NAME", "ADDRESS", "DIRECTION", "CHAINS", "ROUTES", "HTTP FILTERS", "ACCESS LOG");
        for (JsonNode l : resources) {
            JsonNode sa = l.path("address").path("socket_address");
            List<String> chains = new ArrayList<>();
            List<String> routes = new ArrayList<>();
            List<String> filters = new ArrayList<>();
            List<String> logs = new ArrayList<>();
            for (JsonNode chain : l.path("filter_chains")) {
                String tls = chain.path("transport_socket").path("name").asText("");
                chains.add(chain.path("name").asText("-") + (tls.endsWith(".tls") ? " (tls)" : ""));
                for (JsonNode f : chain.path("filters")) {
                    JsonNode hcm = f.path("typed_config");
                    String rds = hcm.path("rds").path("route_config_name").asText(null);
                    addOnce(routes, rds != null ? rds : hcm.has("route_config") ? "(inline)" : null);
                    for (JsonNode hf : hcm.path("http_filters")) {
                        addOnce(filters, hf.path("name").asText());
                    }
                    for (JsonNode al : hcm.path("access_log")) {
                        String path = al.path("typed_config").path("path").asText(null);
                        addOnce(logs, path != null ? path : "stdout");
                    }
                }
            }
            t.row(l.path("name").asText(), sa.isMissingNode() ? "(api listener)"
                            : sa.path("address").asText() + ":" + sa.path("port_value").asText("0"),
                    l.path("traffic_direction").asText("-"), join(chains), join(routes), join(filters), join(logs));
        }
        return t;
    }

    private static Table routes(JsonNode resources) {
        Table t = new Table("ROUTE CONFIG", "VIRTUAL HOST", "DOMAINS", "MATCH", "ROUTE", "ACTION");
        for (JsonNode rc : resources) {
            for (JsonNode vh : rc.path("virtual_hosts")) {
                List<String> domains = new ArrayList<>();
                vh.path("domains").forEach(d -> domains.add(d.asText()));
                for (JsonNode r : vh.path("routes")) {
                    t.row(rc.path("name").asText(), vh.path("name").asText(), abbreviate(join(domains), 40),
                            match(r.path("match")), r.path("name").asText("-"), action(r));
                }
            }
        }
        return t;
    }

    private static String match(JsonNode m) {
        StringBuilder sb = new StringBuilder();
        if (m.has("prefix")) {
            sb.append(m.get("prefix").asText()).append('*');
        } else if (m.has("path")) {
            sb.append(m.get("path").asText());
        } else if (m.has("safe_regex")) {
            sb.append("~").append(m.path("safe_regex").path("regex").asText());
        } else if (m.has("path_separated_prefix")) {
            sb.append(m.get("path_separated_prefix").asText()).append("/*");
        } else {
            sb.append('*');
        }
        for (JsonNode h : m.path("headers")) {
            sb.append(" ").append(h.path("name").asText());
        }
        if (m.has("grpc")) {
            sb.append(" grpc");
        }
        return sb.toString();
    }

    private static String action(JsonNode r) {
        if (r.has("direct_response")) {
            return "direct " + r.path("direct_response").path("status").asText();
        }
        if (r.has("redirect")) {
            return "redirect";
        }
        JsonNode a = r.path("route");
        if (a.has("cluster")) {
            return a.get("cluster").asText();
        }
        List<String> weighted = new ArrayList<>();
        for (JsonNode c : a.path("weighted_clusters").path("clusters")) {
            weighted.add(c.path("name").asText() + "=" + c.path("weight").asText("0"));
        }
        return join(weighted);
    }

    private static Table clusters(JsonNode resources) {
        Table t = new Table("NAME", "TYPE", "LB", "EDS SERVICE", "TLS (expected peers)");
        for (JsonNode c : resources) {
            List<String> sans = new ArrayList<>();
            for (JsonNode m : c.path("transport_socket_matches")) {
                for (JsonNode san : m.path("transport_socket").path("typed_config").path("common_tls_context")
                        .path("combined_validation_context").path("default_validation_context")
                        .path("match_typed_subject_alt_names")) {
                    addOnce(sans, san.path("matcher").path("exact").asText(null));
                }
            }
            boolean tls = c.path("transport_socket").path("name").asText("").endsWith(".tls");
            t.row(c.path("name").asText(), c.path("type").asText("STATIC"), c.path("lb_policy").asText("ROUND_ROBIN"),
                    c.path("eds_cluster_config").path("service_name").asText("-"),
                    sans.isEmpty() ? (tls ? "tls" : "-") : join(sans));
        }
        return t;
    }

    private static Table endpoints(JsonNode resources) {
        Table t = new Table("CLUSTER", "ENDPOINT", "WEIGHT", "PRIORITY", "HEALTH", "METADATA");
        for (JsonNode cla : resources) {
            for (JsonNode locality : cla.path("endpoints")) {
                for (JsonNode e : locality.path("lb_endpoints")) {
                    JsonNode sa = e.path("endpoint").path("address").path("socket_address");
                    List<String> meta = new ArrayList<>();
                    e.path("metadata").path("filter_metadata").properties().forEach(ns ->
                            ns.getValue().properties().forEach(kv -> meta.add(kv.getKey() + "=" + kv.getValue().asText())));
                    t.row(cla.path("cluster_name").asText(), sa.path("address").asText() + ":" + sa.path("port_value").asText(),
                            e.path("load_balancing_weight").asText("1"), locality.path("priority").asText("0"),
                            e.path("health_status").asText("UNKNOWN"), join(meta));
                }
            }
        }
        return t;
    }

    private static Table secrets(JsonNode resources, JsonNode proxyCerts) {
        Table t = new Table("NAME", "SOURCE", "KIND", "TRUST DOMAIN", "SUBJECT", "URI SAN", "NOT AFTER");
        for (JsonNode s : resources) {
            secretRows(t, s, "control plane (SDS)", s.path("certificates"));
        }
        // what the proxy holds that the control plane does not send: its own SVID (local), bootstrap secrets
        for (JsonNode s : proxyCerts.path("certificates")) {
            if (!s.path("source").asText().equals("xds")) {
                secretRows(t, s, "proxy (" + s.path("source").asText() + ")", s.path("chain"));
            }
        }
        return t;
    }

    private static void secretRows(Table t, JsonNode s, String source, JsonNode certificates) {
        if (s.has("trust_domains")) {
            for (JsonNode d : s.path("trust_domains")) {
                for (JsonNode root : d.path("roots")) {
                    t.row(s.path("name").asText(), source, s.path("kind").asText(), d.path("name").asText("-"),
                            root.path("subject").asText(), sans(root), root.path("not_after").asText());
                }
            }
        } else {
            for (JsonNode c : certificates) {
                t.row(s.path("name").asText(), source, s.path("kind").asText(), "-", c.path("subject").asText(),
                        sans(c), c.path("not_after").asText());
            }
        }
    }

    /** The proxy's admin {@code /certs}: the certificates and trust bundles its handshakes use, without keys. */
    private static JsonNode proxyCerts(String adminAddress) throws IOException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
        try {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://" + adminAddress + "/certs"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("status " + r.statusCode());
            }
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String sans(JsonNode cert) {
        List<String> out = new ArrayList<>();
        cert.path("uri_sans").forEach(s -> out.add(s.asText()));
        return out.isEmpty() ? "-" : join(out);
    }

    private static void addOnce(List<String> list, String value) {
        if (value != null && !list.contains(value)) {
            list.add(value);
        }
    }

    private static String join(List<String> values) {
        return values.isEmpty() ? "-" : String.join(",", values);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
