package dev.weft.proxy.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HeadersTest {
    private static HttpHeaders headers() {
        return DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    }

    @Test
    void connectionOptionsAndHopByHopHeadersAreRemoved() {
        HttpHeaders h = headers()
                .add("Connection", " keep-alive ,, X-Trace , Close")
                .add("connection", "x-other")
                .add("Keep-Alive", "timeout=5")
                .add("x-trace", "1")
                .add("X-Other", "2")
                .add("close", "3")
                .add("Proxy-Connection", "keep-alive")
                .add("Transfer-Encoding", "chunked")
                .add("Upgrade", "websocket")
                .add("TE", "gzip")
                .add("x-http2-scheme", "https")
                .add("accept", "*/*");

        Headers.removeHopByHop(h, false);

        assertThat(h.names()).containsExactly("accept");
    }

    @Test
    void upgradeIsKeptWhenAskedAndConnectionSaysUpgradeAgain() {
        HttpHeaders h = headers()
                .add("connection", "Upgrade, x-trace")
                .add("upgrade", "websocket")
                .add("x-trace", "1")
                .add("te", " trailers ");

        Headers.removeHopByHop(h, true);

        assertThat(h.get("upgrade")).isEqualTo("websocket");
        assertThat(h.get("connection")).isEqualTo("upgrade");
        assertThat(h.get("te")).isEqualTo(" trailers ");
        assertThat(h.contains("x-trace")).isFalse();
    }

    @Test
    void hopByHopFieldsAreFoundWhateverTheirCaseAndOthersAreLeftAlone() {
        HttpHeaders h = headers()
                .add("Server", "nginx")
                .add("TRANSFER-ENCODING", "chunked")
                .add("Te", "trailers")
                .add("X-Http2-Stream-Id", "3")
                .add("x-http2-scheme", "http")
                .add("x-http2", "not a conversion header")
                .add("Content-Length", "5")
                .add("keep-alive-ish", "kept");

        Headers.removeHopByHop(h, false);

        assertThat(h.names()).containsExactlyInAnyOrder("Server", "Te", "x-http2", "Content-Length", "keep-alive-ish");
    }

    @Test
    void headersWithoutHopByHopFieldsAreNotTouched() {
        HttpHeaders h = headers().add("server", "nginx").add("date", "today").add("content-length", "5");

        Headers.removeHopByHop(h, false);
        Headers.removeConversionHeaders(h);

        assertThat(h.names()).containsExactly("server", "date", "content-length");
    }

    @Test
    void conversionHeadersAreRemovedBeforeARequestGoesOutAgain() {
        HttpHeaders h = headers().add("host", "a").add("x-http2-path", "/x").add("x-http2-stream-weight", "16");

        Headers.removeConversionHeaders(h);

        assertThat(h.names()).containsExactly("host");
    }

    @Test
    void forwardingHeadersAppendTheClientAndKeepWhatIsThere() {
        HttpHeaders h = headers().add("x-forwarded-for", "10.0.0.1").add("x-request-id", "given");

        Headers.addForwardingHeaders(h, "10.0.0.2", true, true);

        assertThat(h.get("x-forwarded-for")).isEqualTo("10.0.0.1, 10.0.0.2");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
        assertThat(h.get("x-request-id")).isEqualTo("given");
    }

    @Test
    void generatedRequestIdsAreVersion4UuidsInCanonicalForm() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = Headers.requestId();
            UUID parsed = UUID.fromString(id);

            assertThat(parsed.toString()).isEqualTo(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
            seen.add(id);
        }
        assertThat(seen).hasSize(1000);
    }
}
