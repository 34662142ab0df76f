package dev.weft.proxy.http1;

import java.util.Objects;

/**
 * A request {@link StrictHttp1RequestDecoder} refused: the status to answer with and why.
 *
 * <p>The decoder emits at most one per connection and discards all input after it, so the handler
 * answers with {@code status} and closes the connection.
 *
 * @param status 400, 414, 431, 501 or 505
 * @param reason a short human sentence, for example "both Content-Length and Transfer-Encoding"
 */
public record MalformedRequest(int status, String reason) {

    public MalformedRequest {
        Objects.requireNonNull(reason, "reason");
    }
}
