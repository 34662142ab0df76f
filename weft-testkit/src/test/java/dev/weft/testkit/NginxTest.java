package dev.weft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.testkit.modelserver.ModelServer;
import dev.weft.testkit.modelserver.ModelServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Nginx} runs a real nginx from a generated config; {@link Curl} talks to it. */
class NginxTest {

    @BeforeEach
    void requireTools() {
        assumeTrue(Nginx.available(), "nginx is not installed");
        assumeTrue(Curl.available(), "curl is not installed");
    }

    @Test
    void servesTheGivenServerBlockAndLogsIntoItsWorkDir(@TempDir Path dir) {
        try (Nginx nginx = Nginx.start(dir, "location / { return 200 \"hello from nginx\\n\"; }")) {
            // when
            Curl.Result result = Curl.run(nginx.baseUrl() + "/anything");

            // then
            assertThat(result.status()).isEqualTo(200);
            assertThat(result.bodyText()).isEqualTo("hello from nginx\n");
            assertThat(nginx.accessLog()).contains("GET /anything");
        }
    }

    @Test
    void proxiesToAModelServerThroughAnUpstreamBlock(@TempDir Path dir) {
        try (ModelServer model = ModelServer.start(ModelServerConfig.builder().instanceId("behind-nginx").build())) {
            String upstream = "upstream models { server 127.0.0.1:" + model.port() + "; }";
            String server = "location / {\n"
                    + "    proxy_pass http://models;\n"
                    + "    proxy_http_version 1.1;\n"
                    + "    proxy_buffering off;\n"
                    + "}";
            try (Nginx nginx = Nginx.start(dir, upstream, server)) {
                // when
                Curl.Result result = Curl.run("-v", "-H", "content-type: application/json",
                        "-d", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        nginx.baseUrl() + "/v1/chat/completions");

                // then
                assertThat(result.status()).as(result.stderr()).isEqualTo(200);
                assertThat(result.stderr()).contains("x-model-server-instance: behind-nginx");
                assertThat(result.bodyText()).contains("\"object\":\"chat.completion\"");
                assertThat(model.requestCount("/v1/chat/completions")).isEqualTo(1);
            }
        }
    }

    @Test
    void closeStopsNginx(@TempDir Path dir) {
        Nginx nginx = Nginx.start(dir, "location / { return 204; }");
        int port = nginx.port();

        nginx.close();

        assertThat(Processes.canConnect("127.0.0.1", port)).isFalse();
    }

    @Test
    void aBadConfigFailsWithNginxsOwnMessage(@TempDir Path dir) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Nginx.start(dir, "no_such_directive on;"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no_such_directive");
    }
}
