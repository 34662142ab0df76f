package dev.weft.api.gateway;

import java.time.Duration;
import java.util.List;

/**
 * Retries of an HTTPRoute rule (Gateway API {@code HTTPRouteRetry}): retry on connection errors and on the status
 * {@code codes} (400 to 599), at most {@code attempts} times, waiting at least {@code backoff} between attempts.
 * Null {@code attempts} or {@code backoff} leave the choice to the mesh defaults.
 */
public record HttpRouteRetry(List<Integer> codes, Integer attempts, Duration backoff) {

    public HttpRouteRetry {
        codes = codes == null ? List.of() : List.copyOf(codes);
    }
}
