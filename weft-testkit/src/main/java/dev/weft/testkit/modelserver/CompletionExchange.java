package dev.weft.testkit.modelserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: validates an OpenAI-style request,
 * waits for a concurrency slot, then "generates" tokens on the configured schedule and answers as one
 * JSON document or as server-sent events.
 *
 * <p>Timeline from the moment a slot is granted: response headers (streaming) after the extra latency;
 * token {@code i} (0-based) at {@code extraLatency + timeToFirstToken + i / tokensPerSecond}; a
 * non-streaming response is sent when the last token is due. Token writes are scheduled on the event
 * loop and wait for writability.
 *
 * <p>Reference counting: the request body is gathered in a composite buffer (bounded by
 * {@code maxRequestBytes}) released once parsed or when the channel closes.
 */
final class CompletionExchange extends Exchange implements ConcurrencyGate.Waiter {

    /** The two OpenAI APIs served. */
    enum Api {
        CHAT("chat.completion", "chat.completion.chunk", "chatcmpl-"),
        TEXT("text_completion", "text_completion", "cmpl-");

        final String object;
        final String chunkObject;
        final String idPrefix;

        Api(String object, String chunkObject, String idPrefix) {
            this.object = object;
            this.chunkObject = chunkObject;
            this.idPrefix = idPrefix;
        }
    }

    private static final String[] WORDS = {
        "Weft", "threads", "each", "request", "through", "the", "mesh", "while", "models", "answer",
        "token", "by", "token", "over", "streams", "that", "never", "block", "an", "event", "loop."
    };
    private static final ByteBuf DONE = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("data: [DONE]\n\n", StandardCharsets.US_ASCII));

    private final Api api;
    private CompositeByteBuf body;
    private int bodySize;
    private boolean rejected;

    private boolean stream;
    private int promptTokens;
    private int completionTokens;
    private String finishReason;
    private String id;
    private long created;

    private boolean queued;
    private boolean holdsSlot;
    private long startNanos;
    private ScheduledFuture<?> timer;
    private int nextToken;
    private boolean waitingForWritable;

    CompletionExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route, Api api) {
        super(owner, ctx, request, route);
        this.api = api;
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        ByteBuf data = content.content();
        if (rejected) {
            content.release();
            return;
        }
        if (bodySize + (long) data.readableBytes() > server.config.maxRequestBytes()) {
            content.release();
            releaseBody();
            rejected = true;
            respondError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "Request body exceeds " + server.config.maxRequestBytes() + " bytes.",
                    "invalid_request_error", null, "request_too_large");
            return;
        }
        bodySize += data.readableBytes();
        if (data.isReadable()) {
            if (body == null) {
                body = ctx.alloc().compositeBuffer();
            }
            body.addComponent(true, data);
        } else {
            content.release();
        }
        if (last) {
            handleRequest();
        }
    }

    private void handleRequest() {
        JsonNode json;
        try (ByteBufInputStream in = new ByteBufInputStream(body == null ? Unpooled.EMPTY_BUFFER : body, true)) {
            body = null;
            json = server.json.readTree(in);
        } catch (IOException e) {
            respondError(HttpResponseStatus.BAD_REQUEST,
                    "We could not parse the JSON body of your request: "
                            + (e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage()
                                    : e.getMessage()),
                    "invalid_request_error", null, "invalid_json");
            return;
        }
        if (json == null || !json.isObject()) {
            badRequest("The request body must be a JSON object.", null, "invalid_json");
            return;
        }
        if (!validate((ObjectNode) json)) {
            return;
        }
        if (server.config.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < server.config.errorRate()) {
            respondError(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "The server had an error while processing your request (simulated).",
                    "server_error", null, "internal_error");
            return;
        }
        switch (server.gate.acquire(this)) {
            case GRANTED:
                onGranted();
                break;
            case QUEUED:
                queued = true;
                break;
            default:
                respondError(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "The model server is at capacity and its queue is full.",
                        "rate_limit_error", null, "rate_limit_exceeded");
                break;
        }
    }

    /** Reads and checks the request's fields; on a problem answers it and returns false. */
    private boolean validate(ObjectNode json) {
        JsonNode model = json.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                badRequest("'model' must be a string.", "model", "invalid_type");
                return false;
            }
            if (!model.asText().equals(server.config.model())) {
                respondError(HttpResponseStatus.NOT_FOUND,
                        "The model `" + model.asText() + "` does not exist or you do not have access to it.",
                        "invalid_request_error", "model", "model_not_found");
                return false;
            }
        }
        JsonNode streamNode = json.get("stream");
        if (streamNode != null && !streamNode.isNull() && !streamNode.isBoolean()) {
            badRequest("'stream' must be a boolean.", "stream", "invalid_type");
            return false;
        }
        stream = streamNode != null && streamNode.asBoolean(false);
        Integer limit = null;
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode node = json.get(field);
            if (node == null || node.isNull()) {
                continue;
            }
            if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
                badRequest("'" + field + "' must be an integer >= 1.", field, "invalid_value");
                return false;
            }
            limit = node.asInt();
            break;
        }
        Integer prompt = api == Api.CHAT ? chatPromptTokens(json) : textPromptTokens(json);
        if (prompt == null) {
            return false;
        }
        promptTokens = prompt;
        if (limit != null) {
            completionTokens = Math.min(limit, server.config.maxResponseTokens());
            finishReason = "length";
        } else {
            completionTokens = server.config.responseTokens();
            finishReason = "stop";
        }
        id = server.newId(api.idPrefix);
        created = Instant.now().getEpochSecond();
        return true;
    }

    private Integer chatPromptTokens(ObjectNode json) {
        JsonNode messages = json.get("messages");
        if (messages == null || messages.isNull()) {
            badRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
            return null;
        }
        if (!messages.isArray() || messages.isEmpty()) {
            badRequest("'messages' must be a non-empty array.", "messages", "invalid_type");
            return null;
        }
        int tokens = 0;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject() || !message.path("role").isTextual()) {
                badRequest("'messages[" + i + "]' must be an object with a string 'role'.",
                        "messages[" + i + "].role", "invalid_type");
                return null;
            }
            JsonNode content = message.get("content");
            if (content != null && content.isTextual()) {
                tokens += words(content.asText());
            } else if (content != null && content.isArray()) {
                for (JsonNode part : content) {
                    tokens += words(part.path("text").asText(""));
                }
            }
        }
        return tokens;
    }

    private Integer textPromptTokens(ObjectNode json) {
        JsonNode prompt = json.get("prompt");
        if (prompt == null || prompt.isNull()) {
            badRequest("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
            return null;
        }
        if (prompt.isTextual()) {
            return words(prompt.asText());
        }
        if (prompt.isArray()) {
            int tokens = 0;
            for (JsonNode element : prompt) {
                if (element.isTextual()) {
                    tokens += words(element.asText());
                } else if (element.isArray()) {
                    tokens += element.size();
                } else {
                    tokens++;
                }
            }
            return tokens;
        }
        badRequest("'prompt' must be a string or an array.", "prompt", "invalid_type");
        return null;
    }

    /** Prompt token estimate: whitespace-separated words. */
    private static int words(String text) {
        int count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                count++;
            }
            inWord = !space;
        }
        return count;
    }

    private void badRequest(String message, String param, String code) {
        respondError(HttpResponseStatus.BAD_REQUEST, message, "invalid_request_error", param, code);
    }

    @Override
    public void granted() {
        try {
            ctx.executor().execute(this::onGranted);
        } catch (RejectedExecutionException e) {
            // The server is shutting down: hand the slot on rather than lose it.
            server.gate.release();
        }
    }

    private void onGranted() {
        queued = false;
        if (closed) {
            server.gate.release();
            return;
        }
        holdsSlot = true;
        startNanos = System.nanoTime();
        if (stream) {
            schedule(this::startStream, nanosUntil(server.config.extraLatency().toNanos()));
        } else {
            schedule(this::sendWhole, nanosUntil(tokenOffsetNanos(completionTokens - 1)));
        }
    }

    private void startStream() {
        if (closed) {
            return;
        }
        startResponse(HttpResponseStatus.OK, HttpHeaderValues.TEXT_EVENT_STREAM, -1);
        ctx.flush();
        emitDueTokens();
    }

    private void emitDueTokens() {
        while (!closed && nextToken < completionTokens) {
            long wait = nanosUntil(tokenOffsetNanos(nextToken));
            if (wait > 0) {
                ctx.flush();
                schedule(this::emitDueTokens, wait);
                return;
            }
            if (!ctx.channel().isWritable()) {
                waitingForWritable = true;
                ctx.flush();
                return;
            }
            ObjectNode chunk = chunk();
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            if (api == Api.CHAT) {
                ObjectNode delta = choice.putObject("delta");
                if (nextToken == 0) {
                    delta.put("role", "assistant");
                }
                delta.put("content", token(nextToken));
            } else {
                choice.put("text", token(nextToken));
            }
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            ctx.write(new DefaultHttpContent(event(chunk)));
            server.metrics.tokensGenerated(1);
            nextToken++;
        }
        if (closed) {
            return;
        }
        ObjectNode finish = chunk();
        ObjectNode choice = finish.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == Api.CHAT) {
            choice.putObject("delta");
        } else {
            choice.put("text", "");
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        ctx.write(new DefaultHttpContent(event(finish)));
        ObjectNode usage = chunk();
        usage.putArray("choices");
        usage.set("usage", usage());
        ctx.write(new DefaultHttpContent(event(usage)));
        releaseSlot();
        finish(ctx.writeAndFlush(new DefaultLastHttpContent(DONE.duplicate())));
    }

    private void sendWhole() {
        if (closed) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < completionTokens; i++) {
            text.append(token(i));
        }
        ObjectNode response = server.json.createObjectNode();
        response.put("id", id);
        response.put("object", api.object);
        response.put("created", created);
        response.put("model", server.config.model());
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        if (api == Api.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text.toString());
            message.putNull("refusal");
        } else {
            choice.put("text", text.toString());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        response.set("usage", usage());
        response.put("system_fingerprint", "weft-" + server.config.version());
        server.metrics.tokensGenerated(completionTokens);
        releaseSlot();
        respondJson(HttpResponseStatus.OK, response);
    }

    @Override
    void onWritabilityChanged() {
        if (waitingForWritable && ctx.channel().isWritable()) {
            waitingForWritable = false;
            emitDueTokens();
        }
    }

    @Override
    void onClosed() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (queued && server.gate.cancel(this)) {
            queued = false;
        }
        releaseSlot();
        releaseBody();
    }

    private ObjectNode chunk() {
        ObjectNode chunk = server.json.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", api.chunkObject);
        chunk.put("created", created);
        chunk.put("model", server.config.model());
        chunk.put("system_fingerprint", "weft-" + server.config.version());
        return chunk;
    }

    private ObjectNode usage() {
        ObjectNode usage = server.json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    private ByteBuf event(ObjectNode data) {
        byte[] json;
        try {
            json = server.json.writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a stream chunk", e);
        }
        ByteBuf buf = ctx.alloc().buffer(json.length + 8);
        buf.writeCharSequence("data: ", StandardCharsets.US_ASCII);
        buf.writeBytes(json);
        buf.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
        return buf;
    }

    private static String token(int index) {
        String word = WORDS[index % WORDS.length];
        return index == 0 ? word : " " + word;
    }

    /** When token {@code index} is due, counted from the moment the slot was granted. */
    private long tokenOffsetNanos(int index) {
        double perToken = 1_000_000_000.0 / server.config.tokensPerSecond();
        return server.config.extraLatency().toNanos() + server.config.timeToFirstToken().toNanos()
                + (long) (index * perToken);
    }

    private long nanosUntil(long offsetNanos) {
        return startNanos + offsetNanos - System.nanoTime();
    }

    private void schedule(Runnable task, long delayNanos) {
        if (delayNanos <= 0) {
            task.run();
        } else {
            timer = ctx.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void releaseSlot() {
        if (holdsSlot) {
            holdsSlot = false;
            server.gate.release();
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
