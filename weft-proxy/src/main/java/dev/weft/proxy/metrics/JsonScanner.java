package dev.weft.proxy.metrics;

import io.netty.util.ByteProcessor;

/**
 * Finds, in a JSON document fed in parts as it streams by, what an OpenAI-style model API says about usage: the
 * top-level {@code "model"} string and the token counts in the top-level {@code "usage"} object
 * ({@code prompt_tokens}/{@code input_tokens} and {@code completion_tokens}/{@code output_tokens}). It keeps a
 * few fields of state, never the document: memory is constant however long the body. Anything that is not
 * well-formed JSON just yields nothing.
 */
final class JsonScanner implements ByteProcessor {
    static final int MAX_MODEL = 128;
    private static final int NONE = 0;
    private static final int MODEL = 1;
    private static final int USAGE = 2;
    private static final int INPUT = 3;
    private static final int OUTPUT = 4;
    private static final long MAX_TOKENS = 1L << 40;
    private static final byte[][] KEYS = {
        null, bytes("model"), bytes("usage"), null, null
    };
    private static final byte[] PROMPT_TOKENS = bytes("prompt_tokens");
    private static final byte[] INPUT_TOKENS = bytes("input_tokens");
    private static final byte[] COMPLETION_TOKENS = bytes("completion_tokens");
    private static final byte[] OUTPUT_TOKENS = bytes("output_tokens");

    // what was found
    private final StringBuilder model = new StringBuilder();
    private boolean modelDone;
    private long inputTokens = -1;
    private long outputTokens = -1;

    // where the scanner is
    private int depth;
    /** Bit d set: the container at depth d (1..63) is an object. */
    private long objects;
    private int usageDepth;
    private boolean inString;
    private boolean escape;
    private boolean readingKey;
    private boolean expectKey;
    private final byte[] key = new byte[24];
    private int keyLength;
    /** What the value after the last key is, when it is one of the wanted fields. */
    private int pending = NONE;
    private boolean capturingModel;
    private boolean inNumber;
    private long number;

    /** Forgets everything, for the next document (an SSE event). */
    void reset() {
        model.setLength(0);
        modelDone = false;
        inputTokens = -1;
        outputTokens = -1;
        depth = 0;
        objects = 0;
        usageDepth = 0;
        inString = false;
        escape = false;
        readingKey = false;
        expectKey = false;
        keyLength = 0;
        pending = NONE;
        capturingModel = false;
        inNumber = false;
        number = 0;
    }

    /** The top-level "model" string, null when none (yet). */
    String model() {
        return modelDone && model.length() > 0 ? model.toString() : null;
    }

    boolean hasModel() {
        return modelDone;
    }

    /** usage.prompt_tokens (or input_tokens), -1 when not seen. */
    long inputTokens() {
        return inputTokens;
    }

    /** usage.completion_tokens (or output_tokens), -1 when not seen. */
    long outputTokens() {
        return outputTokens;
    }

    boolean hasUsage() {
        return inputTokens >= 0 || outputTokens >= 0;
    }

    @Override
    public boolean process(byte b) {
        if (inString) {
            string(b);
            return true;
        }
        if (inNumber) {
            if (b >= '0' && b <= '9') {
                if (number < MAX_TOKENS) {
                    number = number * 10 + (b - '0');
                }
                return true;
            }
            inNumber = false;
            if (pending == INPUT) {
                inputTokens = number;
            } else if (pending == OUTPUT) {
                outputTokens = number;
            }
            pending = NONE;
        }
        switch (b) {
            case '"' -> {
                inString = true;
                if (expectKey) {
                    readingKey = true;
                    keyLength = 0;
                } else {
                    capturingModel = pending == MODEL && !modelDone;
                    pending = NONE;
                }
            }
            case '{' -> {
                push(true);
                if (pending == USAGE && depth == 2) {
                    usageDepth = 2;
                }
                pending = NONE;
            }
            case '[' -> {
                push(false);
                pending = NONE;
            }
            case '}', ']' -> {
                if (depth == usageDepth) {
                    usageDepth = 0;
                }
                if (depth > 0) {
                    depth--;
                }
                expectKey = false;
                pending = NONE;
            }
            case ':' -> expectKey = false;
            case ',' -> {
                expectKey = isObject();
                pending = NONE;
            }
            case ' ', '\t', '\r', '\n' -> {
                // between tokens
            }
            default -> {
                if (b >= '0' && b <= '9' && (pending == INPUT || pending == OUTPUT)) {
                    inNumber = true;
                    number = b - '0';
                } else {
                    // true, false, null, a negative or other number: not a value wanted
                    pending = NONE;
                }
            }
        }
        return true;
    }

    private void string(byte b) {
        if (escape) {
            escape = false;
            append(b);
            return;
        }
        if (b == '\\') {
            escape = true;
            return;
        }
        if (b == '"') {
            inString = false;
            if (readingKey) {
                readingKey = false;
                pending = field();
            } else if (capturingModel) {
                capturingModel = false;
                modelDone = true;
            }
            return;
        }
        append(b);
    }

    private void append(byte b) {
        if (readingKey) {
            if (keyLength < key.length) {
                key[keyLength] = b;
            }
            keyLength++;
        } else if (capturingModel && model.length() < MAX_MODEL) {
            model.append((char) (b & 0xff));
        }
    }

    /** The field a just-read key names, where it is. */
    private int field() {
        if (keyLength > key.length) {
            return NONE;
        }
        if (depth == 1) {
            if (keyIs(KEYS[MODEL])) {
                return MODEL;
            }
            if (keyIs(KEYS[USAGE])) {
                return USAGE;
            }
        } else if (depth == 2 && usageDepth == 2) {
            if (keyIs(PROMPT_TOKENS) || keyIs(INPUT_TOKENS)) {
                return INPUT;
            }
            if (keyIs(COMPLETION_TOKENS) || keyIs(OUTPUT_TOKENS)) {
                return OUTPUT;
            }
        }
        return NONE;
    }

    private boolean keyIs(byte[] k) {
        if (k.length != keyLength) {
            return false;
        }
        for (int i = 0; i < k.length; i++) {
            if (key[i] != k[i]) {
                return false;
            }
        }
        return true;
    }

    private void push(boolean object) {
        depth++;
        if (depth < 64) {
            if (object) {
                objects |= 1L << depth;
            } else {
                objects &= ~(1L << depth);
            }
        }
        expectKey = object;
    }

    private boolean isObject() {
        return depth > 0 && depth < 64 && (objects & (1L << depth)) != 0;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
