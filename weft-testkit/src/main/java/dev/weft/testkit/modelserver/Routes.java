package dev.weft.testkit.modelserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.time.Instant;

/**
 * Maps a request to the exchange that serves it. Route labels (used in counters and /metrics) are the
 * paths themselves, with parameters written as templates ({@code /bytes/{n}}) to bound their number.
 */
final class Routes {

    static final String CHAT = "/v1/chat/completions";
    static final String COMPLETIONS = "/v1/completions";
    static final String MODELS = "/v1/models";
    static final String HEALTH = "/health";
    static final String METRICS = "/metrics";
    static final String ECHO = "/echo";
    static final String SINK = "/sink";
    static final String STATUS = "/status/{code}";
    static final String BYTES = "/bytes/{n}";
    static final String DELAY = "/delay/{ms}";
    static final String UNMATCHED = "unmatched";
    static final String BAD_REQUEST = "bad_request";

    private static final long MAX_DELAY_MS = Duration.ofMinutes(10).toMillis();

    private Routes() {
    }

    static Exchange create(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return FixedExchange.text(owner, ctx, request, BAD_REQUEST, HttpResponseStatus.BAD_REQUEST,
                    "malformed request: " + request.decoderResult().cause());
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        switch (path) {
            case CHAT:
                return HttpMethod.POST.equals(method)
                        ? new CompletionExchange(owner, ctx, request, CHAT, CompletionExchange.Api.CHAT)
                        : methodNotAllowed(owner, ctx, request, CHAT, "POST");
            case COMPLETIONS:
                return HttpMethod.POST.equals(method)
                        ? new CompletionExchange(owner, ctx, request, COMPLETIONS, CompletionExchange.Api.TEXT)
                        : methodNotAllowed(owner, ctx, request, COMPLETIONS, "POST");
            case MODELS:
                return HttpMethod.GET.equals(method)
                        ? FixedExchange.json(owner, ctx, request, MODELS, () -> models(owner.server()))
                        : methodNotAllowed(owner, ctx, request, MODELS, "GET");
            case HEALTH:
                return FixedExchange.text(owner, ctx, request, HEALTH, HttpResponseStatus.OK, "ok");
            case METRICS:
                return new FixedExchange(owner, ctx, request, METRICS, () -> new FixedExchange.Reply(
                        HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                        owner.server().metrics.prometheus(owner.server().config, owner.server().gate.queued())));
            case ECHO:
                return new EchoExchange(owner, ctx, request, ECHO);
            case SINK:
                return new SinkExchange(owner, ctx, request, SINK);
            default:
                break;
        }
        if (path.startsWith("/status/")) {
            long code = parameter(path, "/status/");
            return code >= 200 && code <= 599
                    ? FixedExchange.text(owner, ctx, request, STATUS, HttpResponseStatus.valueOf((int) code),
                            "status " + code)
                    : FixedExchange.text(owner, ctx, request, STATUS, HttpResponseStatus.BAD_REQUEST,
                            "/status/{code}: expected a code between 200 and 599");
        }
        if (path.startsWith("/bytes/")) {
            long n = parameter(path, "/bytes/");
            boolean chunked = !"false".equals(first(uri, "chunked"));
            return n >= 0
                    ? new BytesExchange(owner, ctx, request, BYTES, n, chunked)
                    : FixedExchange.text(owner, ctx, request, BYTES, HttpResponseStatus.BAD_REQUEST,
                            "/bytes/{n}: expected a byte count >= 0");
        }
        if (path.startsWith("/delay/")) {
            long ms = parameter(path, "/delay/");
            return ms >= 0 && ms <= MAX_DELAY_MS
                    ? new DelayExchange(owner, ctx, request, DELAY, ms)
                    : FixedExchange.text(owner, ctx, request, DELAY, HttpResponseStatus.BAD_REQUEST,
                            "/delay/{ms}: expected milliseconds between 0 and " + MAX_DELAY_MS);
        }
        return FixedExchange.text(owner, ctx, request, UNMATCHED, HttpResponseStatus.NOT_FOUND,
                "no such endpoint: " + path);
    }

    private static Exchange methodNotAllowed(ExchangeHandler owner, ChannelHandlerContext ctx,
                                             HttpRequest request, String route, String allowed) {
        return FixedExchange.text(owner, ctx, request, route, HttpResponseStatus.METHOD_NOT_ALLOWED,
                request.method() + " is not allowed on " + route + "; use " + allowed);
    }

    private static ObjectNode models(ServerContext server) {
        ObjectNode list = server.json.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        ObjectNode model = data.addObject();
        model.put("id", server.config.model());
        model.put("object", "model");
        model.put("created", Instant.now().getEpochSecond());
        model.put("owned_by", "weft");
        return list;
    }

    /** The number after {@code prefix}, or -1 when it is not a non-negative number. */
    private static long parameter(String path, String prefix) {
        String text = path.substring(prefix.length());
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(text);
    }

    private static String first(QueryStringDecoder uri, String name) {
        var values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
