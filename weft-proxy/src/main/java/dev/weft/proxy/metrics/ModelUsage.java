package dev.weft.proxy.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * What one model API exchange reports about itself, read as its bodies stream by: the model the request asked
 * for, and from the response (one JSON document, or server-sent events each carrying one) the model that
 * answered, the token usage, and when the first and the last token events went downstream. Constant memory:
 * the bodies are scanned, never kept; a request body is read for at most {@value #MAX_REQUEST_SCAN} bytes and a
 * response for at most {@value #MAX_RESPONSE_SCAN}.
 *
 * <p>Lives on its exchange's event loop (in {@code RequestInfo.usage()}); not thread-safe.
 */
final class ModelUsage {
    static final int MAX_REQUEST_SCAN = 1 << 20;
    static final long MAX_RESPONSE_SCAN = 64L << 20;

    /** How the response body is read. */
    enum Mode { NONE, JSON, SSE }

    final String operation;
    private final JsonScanner request = new JsonScanner();
    private long requestScanned;
    private boolean requestDone;

    private Mode mode = Mode.NONE;
    private final JsonScanner response = new JsonScanner();
    private final Sse sse = new Sse();
    private long responseScanned;

    private String responseModel;
    private long inputTokens = -1;
    private long outputTokens = -1;
    private long firstEventNanos;
    private long lastTokenNanos;

    ModelUsage(String operation) {
        this.operation = operation;
    }

    void requestContent(ByteBuf content) {
        if (requestDone) {
            return;
        }
        int n = (int) Math.min(content.readableBytes(), MAX_REQUEST_SCAN - requestScanned);
        content.forEachByte(content.readerIndex(), n, request);
        requestScanned += n;
        requestDone = request.hasModel() || requestScanned >= MAX_REQUEST_SCAN;
    }

    /** The response head says how to read the body (NONE: not at all). */
    void responseMode(Mode mode) {
        this.mode = mode;
    }

    Mode responseMode() {
        return mode;
    }

    void responseContent(ByteBuf content, long nowNanos) {
        if (mode == Mode.NONE || responseScanned >= MAX_RESPONSE_SCAN) {
            return;
        }
        int n = (int) Math.min(content.readableBytes(), MAX_RESPONSE_SCAN - responseScanned);
        responseScanned += n;
        if (mode == Mode.JSON) {
            content.forEachByte(content.readerIndex(), n, response);
        } else {
            sse.now = nowNanos;
            content.forEachByte(content.readerIndex(), n, sse);
        }
    }

    /** The request's model, null when its body did not say. */
    String requestModel() {
        return request.model();
    }

    /** The responding model, null when the response did not say. */
    String responseModel() {
        return mode == Mode.JSON ? response.model() : responseModel;
    }

    long inputTokens() {
        return mode == Mode.JSON ? response.inputTokens() : inputTokens;
    }

    long outputTokens() {
        return mode == Mode.JSON ? response.outputTokens() : outputTokens;
    }

    boolean streamed() {
        return mode == Mode.SSE;
    }

    /** When the first event of a streamed response went downstream, 0 when none did. */
    long firstEventNanos() {
        return firstEventNanos;
    }

    /**
     * When the last token went downstream: the event before the one that carried the usage (OpenAI sends the
     * usage in an event of its own after the last token), 0 when no usage came.
     */
    long lastTokenNanos() {
        return lastTokenNanos;
    }

    /**
     * Server-sent events: each event's {@code data:} lines are one JSON document for {@link #response}; an empty
     * line ends the event. Other fields (event, id, comments) are skipped.
     */
    private final class Sse implements ByteProcessor {
        private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};
        long now;
        private boolean lineEmpty = true;
        /** How much of "data:" the line started with; -1: not a data line. */
        private int matched;
        private boolean inData;
        private boolean eventHasData;
        private long previousEventNanos;

        @Override
        public boolean process(byte b) {
            if (b == '\n') {
                if (lineEmpty) {
                    endEvent();
                } else if (inData) {
                    response.process(b);
                }
                lineEmpty = true;
                inData = false;
                matched = 0;
                return true;
            }
            if (b == '\r') {
                return true;
            }
            lineEmpty = false;
            if (inData) {
                return response.process(b);
            }
            if (matched >= 0) {
                if (b == DATA[matched]) {
                    matched++;
                    if (matched == DATA.length) {
                        inData = true;
                        if (!eventHasData) {
                            response.reset();
                            eventHasData = true;
                        }
                    }
                } else {
                    matched = -1;
                }
            }
            return true;
        }

        private void endEvent() {
            if (!eventHasData) {
                return;
            }
            eventHasData = false;
            if (firstEventNanos == 0) {
                firstEventNanos = now;
            }
            if (responseModel == null && response.hasModel()) {
                responseModel = response.model();
            }
            if (response.hasUsage() && lastTokenNanos == 0) {
                inputTokens = response.inputTokens();
                outputTokens = response.outputTokens();
                lastTokenNanos = previousEventNanos != 0 ? previousEventNanos : now;
            }
            previousEventNanos = now;
        }
    }
}
