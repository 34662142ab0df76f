package dev.weft.cli.mesh;

import static dev.weft.cli.mesh.MeshFixture.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.Weft;
import dev.weft.controlplane.client.ServiceGraph;
import dev.weft.controlplane.client.ServiceStats;
import dev.weft.testkit.Chromium;
import dev.weft.testkit.Ports;
import dev.weft.testkit.modelserver.ModelServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The control plane's views of a live mesh shaped like the demo's (chat v1 ×2 and v2 behind sidecars, a client
 * sidecar calling it with examples/mesh/chat.yaml applied): the control plane scrapes the real sidecars' metrics, the
 * API's graph has the client → chat edge, {@code weft stat} prints chat's traffic, and the dashboard, loaded in
 * headless Chromium (Debian's chromium and chromedriver, driven by Selenium), draws both services and the edge with
 * non-zero traffic, and chat's page with its route. Screenshots stay in {@code target/dashboard-*.png}. Skipped
 * where Chromium is not installed, except in CI ({@code .ci/run} installs it and sets WEFT_CI), where that fails.
 */
class DashboardBrowserTest {

    @TempDir
    Path dir;

    @Test
    void theDashboardShowsTheDemoMeshLive() throws Exception {
        if (System.getenv("WEFT_CI") == null && System.getenv("CI") == null) {
            assumeThat(Chromium.available()).as("chromium and chromedriver are installed (Debian packages chromium, "
                    + "chromium-driver)").isTrue();
        }
        assertThat(Chromium.available()).as("chromium and chromedriver on the PATH: .ci/run installs the Debian "
                + "packages chromium and chromium-driver").isTrue();
        try (MeshFixture mesh = new MeshFixture(dir.resolve("cp"), Duration.ofSeconds(10), null, true)) {
            // given: the demo's mesh with traffic flowing
            List<ModelServer> apps = new ArrayList<>();
            for (String version : List.of("v1", "v1", "v2")) {
                ModelServer app = mesh.modelServer(version, "chat-" + version + "-" + apps.size());
                mesh.serverSidecar("chat", app, version);
                apps.add(app);
            }
            mesh.apply(Files.readString(Path.of("../examples/mesh/chat.yaml")));
            int outbound = Ports.findFree();
            mesh.clientSidecar("client", outbound, "chat");
            TrafficLoop traffic = new TrafficLoop(outbound, "http://chat/v1/chat/completions", 2);
            try {
                // when: the control plane has scraped a few rounds of it
                await().atMost(BOUND.multipliedBy(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    ServiceGraph graph = mesh.client().graph(Duration.ofMinutes(1));
                    return graph.edges().stream().anyMatch(e -> e.source().equals("client")
                            && e.destination().equals("chat") && e.rps() > 0);
                });

                // then: the API says who calls whom and how it goes
                ServiceGraph graph = mesh.client().graph(Duration.ofMinutes(1));
                ServiceGraph.Edge edge = graph.edges().stream().filter(e -> e.destination().equals("chat"))
                        .findFirst().orElseThrow();
                assertThat(edge.successRate()).isEqualTo(1.0);
                assertThat(edge.p99()).isNotNull().isPositive();
                ServiceStats chat = mesh.client().serviceStats(Duration.ofMinutes(1)).stream()
                        .filter(s -> s.name().equals("chat")).findFirst().orElseThrow();
                assertThat(chat.rps()).isPositive();
                assertThat(chat.successRate()).isEqualTo(1.0);

                // and weft stat prints it
                StringWriter out = new StringWriter();
                int code = Weft.commandLine().setOut(new PrintWriter(out, true)).execute("stat", "--server",
                        mesh.client().base().toString(), "--token", mesh.controlPlane().adminToken().value(),
                        "--ca-file", mesh.controlPlane().trustBundleFile().toString());
                assertThat(code).isZero();
                assertThat(out.toString()).containsPattern("(?m)^default +chat +[0-9.]*[1-9][0-9.]* +100\\.00% +");
                assertThat(out.toString()).containsPattern("(?m)^default +client +0\\.00 +- ");
                StringWriter other = new StringWriter();
                assertThat(Weft.commandLine().setOut(new PrintWriter(other, true)).execute("stat", "-n", "other",
                        "--window", "30s", "--server", mesh.client().base().toString(), "--token",
                        mesh.controlPlane().adminToken().value(), "--ca-file",
                        mesh.controlPlane().trustBundleFile().toString())).isZero();
                assertThat(other.toString()).isEqualTo("No services in namespace other." + System.lineSeparator());

                // and the dashboard draws it
                browse(mesh.controlPlane().dashboardUri().toString());
            } finally {
                traffic.close();
            }
            assertThat(traffic.failures()).isEmpty();
        }
    }

    private void browse(String url) throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Chromium.browser().orElseThrow().toFile());
        options.addArguments(Chromium.FLAGS);
        options.addArguments("--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")),
                "--window-size=1400,1100");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Chromium.driver().orElseThrow().toFile()).usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(url);
            String edgeSelector = "g.edge[data-source='default/client'][data-destination='default/chat']";
            await().atMost(BOUND).pollInterval(Duration.ofMillis(200)).until(() -> {
                List<WebElement> edges = browser.findElements(By.cssSelector(edgeSelector));
                return !edges.isEmpty() && Double.parseDouble(edges.get(0).getAttribute("data-rps")) > 0;
            });
            assertThat(browser.findElements(By.cssSelector("g.node[data-service='default/chat']"))).hasSize(1);
            assertThat(browser.findElements(By.cssSelector("g.node[data-service='default/client']"))).hasSize(1);
            String label = browser.findElement(By.cssSelector(edgeSelector + " text")).getText();
            assertThat(label).containsPattern("[0-9.]+ rps · 100% · p99 [0-9.]+ m?s");
            assertThat(browser.findElement(By.cssSelector("#services tr[data-service='default/chat']")).getText())
                    .contains("100%");
            screenshot(browser, "dashboard-topology.png");

            // chat's page: golden signals drawn over time, its route, its three proxies in sync
            browser.get(url + "#/service/default/chat");
            await().atMost(BOUND).pollInterval(Duration.ofMillis(200)).until(() ->
                    !browser.findElements(By.cssSelector("#routes details[data-resource='HTTPRoute/default/chat']"))
                            .isEmpty()
                    && !browser.findElements(By.cssSelector(".chart polyline")).isEmpty());
            assertThat(browser.findElements(By.cssSelector("#service-proxies tr[data-proxy]"))).hasSize(3);
            assertThat(browser.findElement(By.id("signals")).getText()).contains("100%");
            screenshot(browser, "dashboard-chat.png");
        } finally {
            browser.quit();
        }
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Path file = Path.of("target", name);
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(file)).isPositive();
    }
}
