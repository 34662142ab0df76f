package dev.weft.proxy.it;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/** A proxy started in-process from bootstrap YAML, on ephemeral ports, for integration tests. */
public final class ProxyFixture implements AutoCloseable {
    private final ProxyServer server;

    private ProxyFixture(ProxyServer server) {
        this.server = server;
    }

    /** Starts a proxy from {@code yaml} with two event loops. */
    public static ProxyFixture start(String yaml) throws Exception {
        return new ProxyFixture(ProxyServer.start(BootstrapLoader.parse(yaml, "test-bootstrap.yaml"), 2));
    }

    /** Starts a proxy from {@code yaml} with two event loops, its exchanges also reported to {@code sinks}. */
    public static ProxyFixture start(String yaml, dev.weft.proxy.observe.Telemetry.Sink... sinks) throws Exception {
        return new ProxyFixture(ProxyServer.start(BootstrapLoader.parse(yaml, "test-bootstrap.yaml"), 2, null,
                java.util.List.of(sinks)));
    }

    public ProxyServer server() {
        return server;
    }

    /** Port of the first listener. */
    public int port() {
        return server.port(server.snapshot().listeners().get(0).name());
    }

    public int port(String listener) {
        return server.port(listener);
    }

    public int adminPort() {
        return server.adminPort();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public URI adminUri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + adminPort() + pathAndQuery);
    }

    public long stat(String name) {
        return server.stats().value(name);
    }

    @Override
    public void close() throws Exception {
        server.close();
        server.stopped().get(10, TimeUnit.SECONDS);
    }
}
