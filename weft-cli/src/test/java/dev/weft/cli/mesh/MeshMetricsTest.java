package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.ProxyServer;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request and model metrics of a real mesh: a client app calls chat through its sidecar, and chat's sidecar
 * (mTLS between them) passes it to the model server. The client's sidecar reports as the source, naming the
 * destination by the cluster and endpoint metadata the control plane sent; chat's reports as the destination,
 * naming the caller by its SPIFFE ID; both count exactly the calls that succeeded and the tokens the model
 * reported, and show their own certificate's expiry and their xDS state.
 */
class MeshMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/client";

    @TempDir
    Path dir;

    @Test
    void bothSidecarsReportTheCallsWithTheirIdentitiesAndTokens() throws Exception {
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10))) {
            ModelServer model = mesh.modelServer("v1", "chat-1");
            ProxyServer chat = mesh.serverSidecar("chat", model, "v1");
            int outbound = Ports.findFree();
            ProxyServer client = mesh.clientSidecar("client", outbound, "chat");
            // until the route is there, calls fail (and are counted under their own codes); the first success counts
            AtomicInteger succeeded = new AtomicInteger();
            AtomicLong reported = new AtomicLong();
            await().atMost(BOUND).pollInterval(Duration.ofMillis(50)).until(() -> {
                HttpResponse<String> r = call(outbound, false);
                if (r.statusCode() != 200) {
                    return false;
                }
                succeeded.incrementAndGet();
                reported.addAndGet(usage(r).path("completion_tokens").asLong());
                return true;
            });
            int ok = succeeded.get();
            long completionTokens = reported.get();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = call(outbound, i % 2 == 1);
                assertThat(r.statusCode()).isEqualTo(200);
                ok++;
                completionTokens += usage(r).path("completion_tokens").asLong();
            }
            int expected = ok;
            long tokens = completionTokens;

            Map<String, String> source = Map.of("reporter", "source", "source_workload", "client",
                    "source_namespace", "default", "source_principal", CLIENT_ID, "destination_service", "chat",
                    "destination_workload", "chat", "destination_namespace", "default", "destination_version", "v1",
                    "response_code", "200", "response_flags", "-");
            Map<String, String> destination = new LinkedHashMap<>(source);
            destination.put("reporter", "destination");
            await().atMost(BOUND).untilAsserted(() -> {
                assertThat(sum(scrape(client), "weft_requests_total", source)).isEqualTo(expected);
                assertThat(sum(scrape(chat), "weft_requests_total", destination)).isEqualTo(expected);
            });
            List<Sample> fromClient = scrape(client);
            List<Sample> fromChat = scrape(chat);
            assertThat(sum(fromClient, "weft_request_duration_milliseconds_count", source)).isEqualTo(expected);
            // the caller's view of a call includes the callee's
            assertThat(sum(fromClient, "weft_request_duration_milliseconds_sum", source))
                    .isGreaterThanOrEqualTo(sum(fromChat, "weft_request_duration_milliseconds_sum", destination));
            assertThat(sum(fromClient, "weft_gen_ai_output_tokens_total",
                    Map.of("reporter", "source", "destination_service", "chat", "gen_ai_response_model", "chat-sim",
                            "gen_ai_request_model", "chat-sim"))).isEqualTo(tokens);
            assertThat(sum(fromChat, "weft_gen_ai_output_tokens_total",
                    Map.of("reporter", "destination", "destination_service", "chat"))).isEqualTo(tokens);
            assertThat(sum(fromClient, "gen_ai_server_time_to_first_token_seconds_count", Map.of("reporter", "source")))
                    .isEqualTo(2);
            // each sidecar's own SVID, and its xDS stream
            assertThat(sum(fromClient, "weft_certificate_expiry_seconds",
                    Map.of("secret", "default", "type", "certificate", "subject", CLIENT_ID))).isPositive();
            assertThat(sum(fromChat, "weft_certificate_expiry_seconds", Map.of("type", "certificate",
                    "subject", "spiffe://cluster.local/ns/default/sa/chat"))).isPositive();
            assertThat(sum(fromClient, "weft_xds_connected", Map.of())).isEqualTo(1);
            assertThat(fromClient).anySatisfy(s -> {
                assertThat(s.name()).isEqualTo("weft_xds_resource_version");
                assertThat(s.labels()).containsEntry("type", "CDS");
            });
            // the hop between the sidecars is TLS: its bytes and handshakes are counted on the inbound listener
            assertThat(fromChat).anySatisfy(s -> {
                assertThat(s.name()).isEqualTo("weft_listener_ssl_handshake_total");
                assertThat(s.value()).isPositive();
            });
        }
    }

    private static JsonNode usage(HttpResponse<String> r) throws Exception {
        if (r.body().startsWith("data:")) {
            String line = r.body().lines().filter(l -> l.contains("\"usage\"")).findFirst().orElseThrow();
            return JSON.readTree(line.substring("data:".length())).path("usage");
        }
        return JSON.readTree(r.body()).path("usage");
    }

    private static HttpResponse<String> call(int outboundPort, boolean stream) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", outboundPort)))
                .connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://chat/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-sim\",\"max_tokens\":3,\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    record Sample(String name, Map<String, String> labels, double value) {}

    /** A sidecar's /stats/prometheus over HTTP, parsed. */
    private static List<Sample> scrape(ProxyServer proxy) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + proxy.adminPort() + "/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<Sample> out = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace < 0 || brace > space) {
                name = line.substring(0, space);
            } else {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        v.append(body.charAt(j));
                        j++;
                    }
                    labels.put(body.substring(i, eq), v.toString());
                    i = j + 2;
                }
            }
            out.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return out;
    }

    /** The sum of {@code name}'s samples whose labels include {@code match}. */
    private static double sum(List<Sample> samples, String name, Map<String, String> match) {
        return samples.stream().filter(s -> s.name().equals(name)
                        && s.labels().entrySet().containsAll(match.entrySet()))
                .mapToDouble(Sample::value).sum();
    }
}
