package dev.weft.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Zipkin server (the {@code io.zipkin:zipkin-server} exec jar, in-memory storage) run as a process on a
 * loopback port, and its read API. The build puts the jar in the local Maven repository and names it in the
 * system property {@value #JAR_PROPERTY} (weft-cli's surefire configuration).
 */
public final class Zipkin implements AutoCloseable {
    /** The system property naming the exec jar. */
    public static final String JAR_PROPERTY = "weft.zipkin.jar";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManagedProcess process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Zipkin(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts Zipkin on a free loopback port with its output in {@code workDir/zipkin.log}, and returns once its
     * health check says UP (a JVM start of a Spring Boot app: allow it {@code startTimeout} on a busy machine).
     */
    public static Zipkin start(Path workDir, Duration startTimeout) throws InterruptedException {
        String jar = System.getProperty(JAR_PROPERTY);
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the Zipkin server jar is missing (system property " + JAR_PROPERTY + " = "
                    + jar + "): run the test through Maven, whose weft-cli build fetches "
                    + "io.zipkin:zipkin-server:exec from Maven Central");
        }
        int port = Ports.findFree();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ManagedProcess process = Processes.start(workDir, workDir.resolve("zipkin.log"), List.of(java,
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar,
                "--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].port=" + port,
                "--armeria.ports[0].protocols[0]=http", "--server.port=" + port));
        Zipkin zipkin = new Zipkin(process, port);
        try {
            process.awaitPort("127.0.0.1", port, startTimeout);
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (!zipkin.healthy()) {
                if (System.nanoTime() - deadline > 0 || !process.isAlive()) {
                    throw new IllegalStateException("Zipkin did not report UP within " + Durations.format(startTimeout)
                            + "; output:\n" + process.output());
                }
                process.process().waitFor(100, TimeUnit.MILLISECONDS);
            }
            return zipkin;
        } catch (RuntimeException | InterruptedException e) {
            process.close();
            throw e;
        }
    }

    private boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("status").asText().equals("UP");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** Where spans are posted: {@code http://127.0.0.1:<port>/api/v2/spans}. */
    public String spansEndpoint() {
        return "http://127.0.0.1:" + port + "/api/v2/spans";
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** The spans of one trace ({@code GET /api/v2/trace/{id}}), empty while Zipkin has none. */
    public JsonNode trace(String traceId) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v2/trace/" + traceId);
        if (r.statusCode() == 404) {
            return JSON.createArrayNode();
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v2/trace/" + traceId + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The traces with a span of {@code serviceName} ({@code GET /api/v2/traces}), each a list of spans. */
    public JsonNode traces(String serviceName) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v2/traces?serviceName=" + serviceName + "&limit=100&lookback=3600000");
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v2/traces: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the server printed (for failure messages). */
    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
