package dev.weft.api.gateway;

import java.time.Duration;

/**
 * Timeouts of an HTTPRoute rule: {@code request} bounds the whole exchange including retries, {@code backendRequest}
 * each attempt (never longer than {@code request}). Null means unset; zero disables the timeout.
 */
public record HttpRouteTimeouts(Duration request, Duration backendRequest) {
}
