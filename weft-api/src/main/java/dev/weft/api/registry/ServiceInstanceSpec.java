package dev.weft.api.registry;

import dev.weft.api.Kind;
import dev.weft.api.Spec;
import java.time.Duration;

/**
 * The spec of a {@code ServiceInstance}: one instance of {@code service} (in the same namespace) at
 * {@code address:port}. {@code protocol} null means the Service port's protocol; {@code ttl} null means the
 * registration does not expire, otherwise it lapses unless refreshed within the ttl.
 */
public record ServiceInstanceSpec(String service, String address, int port, ServiceProtocol protocol, Duration ttl)
        implements Spec {

    @Override
    public Kind kind() {
        return Kind.SERVICE_INSTANCE;
    }
}
