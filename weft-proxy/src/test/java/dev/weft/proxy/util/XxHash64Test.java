package dev.weft.proxy.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XxHash64Test {

    // Reference values from the xxHash C library (libxxhash 0.8.1, XXH64 with seed 0); the inputs
    // cover every code path: empty, 1-byte and 4-byte tails, 8-byte tails and 32-byte stripes.
    @ParameterizedTest
    @CsvSource({
        "'', ef46db3751d8e999",
        "a, d24ec4f1a98c6e5b",
        "abc, 44bc2cf5ad770999",
        "10.0.0.1:8080_0, 23a29ae775dfd4a3",
        "Nobody inspects the spammish repetition, fbcea83c8a378bf1",
        "0123456789abcdef0123456789abcdef0123456789abcdef01234567, 08e38db4b6a63cfd",
    })
    void matchesTheReferenceImplementation(String input, String expectedHex) {
        long hash = XxHash64.hash(input.getBytes(StandardCharsets.UTF_8));

        assertThat(hash).isEqualTo(Long.parseUnsignedLong(expectedHex, 16));
    }

    @Test
    void honoursTheSeedAndTheSlice() {
        byte[] padded = "xxabcxx".getBytes(StandardCharsets.UTF_8);

        assertThat(XxHash64.hash(padded, 2, 3, 12345L)).isEqualTo(Long.parseUnsignedLong("1700e64f6f23509", 16));
    }
}
