package dev.weft.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiffeIdTest {

    @Test
    void namesTheControlPlane() {
        assertThat(SpiffeId.controlPlane("cluster.local"))
                .hasToString("spiffe://cluster.local/ns/weft-system/sa/weft-control-plane");
    }

    @Test
    void parsesTheWeftForm() {
        SpiffeId id = SpiffeId.parse("spiffe://prod.example-1_x/ns/default/sa/Chat.V2-a_b");

        assertThat(id.trustDomain()).isEqualTo("prod.example-1_x");
        assertThat(id.namespace()).isEqualTo("default");
        assertThat(id.account()).isEqualTo("Chat.V2-a_b");
        assertThat(id).hasToString("spiffe://prod.example-1_x/ns/default/sa/Chat.V2-a_b");
        assertThat(id.toUri().getScheme()).isEqualTo("spiffe");
        assertThat(SpiffeId.parse(id.toString())).isEqualTo(new SpiffeId("prod.example-1_x", "default", "Chat.V2-a_b"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "''                                         | it is empty",
        "https://example.org/ns/a/sa/b              | it must start with \"spiffe://\"",
        "SPIFFE://example.org/ns/a/sa/b             | the scheme must be lower-case \"spiffe\"",
        "spiffe://Example.org/ns/a/sa/b             | the trust domain must be lower-case",
        "spiffe:///ns/a/sa/b                        | the trust domain is empty",
        "spiffe://example.org:8443/ns/a/sa/b        | must not have a port",
        "spiffe://user@example.org/ns/a/sa/b        | must not have user info",
        "spiffe://example.org/ns/a/sa/b?x=1         | must not have a query",
        "spiffe://example.org/ns/a/sa/b#frag        | must not have a fragment",
        "spiffe://example.org                       | it has no path",
        "spiffe://example.org/ns//sa/b              | the path segment is empty",
        "spiffe://example.org/ns/a/sa/b/            | must not end with '/'",
        "spiffe://example.org/ns/../sa/b            | the dot segment \"..\"",
        "spiffe://example.org/ns/./sa/b             | the dot segment \".\"",
        "spiffe://example.org/ns/a%20b/sa/b         | must not be percent-encoded",
        "spiffe://example.org/ns/a b/sa/b           | has U+0020 at position 1",
        "spiffe://example.org/ns/a/sa/b*            | has '*' at position 1",
        "spiffe://example.org/workload              | is not /ns/<namespace>/sa/<account>",
        "spiffe://example.org/ns/a/account/b        | is not /ns/<namespace>/sa/<account>",
        "spiffe://example.org/ns/a/sa/b/c           | is not /ns/<namespace>/sa/<account>",
    })
    void refusesWhatTheSpecificationForbidsWithTheReason(String input, String reason) {
        assertThatThrownBy(() -> SpiffeId.parse(input))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining(reason)
                .hasMessageStartingWith("invalid SPIFFE ID \"" + input);
    }

    @Test
    void refusesAnIdLongerThan2048Bytes() {
        String id = "spiffe://example.org/ns/a/sa/" + "x".repeat(2048);

        assertThatThrownBy(() -> SpiffeId.parse(id))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("bytes long (at most 2048)");
    }

    @Test
    void refusesATrustDomainLongerThan255Characters() {
        assertThatThrownBy(() -> new SpiffeId("a".repeat(256), "ns", "sa"))
                .hasMessageContaining("the trust domain is 256 characters long (at most 255)");
    }

    @Test
    void theComponentConstructorChecksLikeParse() {
        assertThatThrownBy(() -> new SpiffeId("example.org", "default", "a/b"))
                .isInstanceOf(InvalidSpiffeIdException.class)
                .hasMessageContaining("the account \"a/b\" has '/' at position 1");
        assertThatThrownBy(() -> SpiffeId.requireTrustDomain("Example.org"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("trust domain \"Example.org\": ");
    }
}
