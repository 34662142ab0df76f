package dev.weft.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The syntax checks that are not spelled out by a single message elsewhere: addresses and RE2 regular expressions. */
class FormatsTest {

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "255.255.255.255", "::1", "fd00::12", "2001:db8:0:0:0:0:2:1",
            "::ffff:192.0.2.1", "reviews", "reviews-v2.bookinfo.svc.example.com", "Host-1.Example.COM"})
    void acceptsAddresses(String address) {
        assertThat(Formats.address(address)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.0.0.1", "10.0.0", "1::2::3", "1:2:3:4:5:6:7:8:9", "fd00::g", "-host", "a..b",
            "host_name", "10.0.0.1:80", ""})
    void rejectsWhatIsNeitherAnIpNorADnsName(String address) {
        assertThat(Formats.address(address)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v[0-9]+/.*", "(?i)/Chat", "/(?P<version>v[0-9]+)", "/(?<v_1>a)", "[*+]+", "a\\+\\+",
            "[]a]", "\\d{2,}"})
    void acceptsRe2Expressions(String regex) {
        assertThat(Formats.regex(regex)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"(?=a)b", "(?<!a)b", "(?>ab)", "(a)\\1", "a*+", "a++", "(?<n>a)\\k<n>", "(", ""})
    void rejectsWhatRe2CannotMatch(String regex) {
        assertThat(Formats.regex(regex)).isNotNull();
    }
}
