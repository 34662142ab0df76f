package dev.weft.proxy.rbac;

import static dev.weft.proxy.rbac.RbacFixtures.ALICE;
import static dev.weft.proxy.rbac.RbacFixtures.BOB;
import static dev.weft.proxy.rbac.RbacFixtures.get;
import static dev.weft.proxy.rbac.RbacFixtures.onePolicy;
import static dev.weft.proxy.rbac.RbacFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.rbac.RbacFixtures.Request;
import dev.weft.proxy.stats.Stats;
import org.junit.jupiter.api.Test;

/**
 * Each principal and permission kind, through an ALLOW filter with one policy: the request is
 * allowed exactly when the policy matches.
 */
class MatcherTest {

    private static boolean principalMatches(String principal, Request r) throws ConfigException {
        return matches(onePolicy("ALLOW", "p", "{any: true}", principal), r);
    }

    private static boolean permissionMatches(String permission, Request r) throws ConfigException {
        return matches(onePolicy("ALLOW", "p", permission, "{any: true}"), r);
    }

    private static boolean matches(Authorization a, Request r) {
        return !a.evaluate(r.build(), new RbacStats(new Stats(), "test", a)).denied();
    }

    // ---- principals

    @Test
    void anyPrincipalMatchesPlaintextAndAuthenticatedRequests() throws Exception {
        assertThat(principalMatches("{any: true}", get("/"))).isTrue();
        assertThat(principalMatches("{any: true}", get("/").from(ALICE))).isTrue();
    }

    @Test
    void authenticatedWithoutANameMatchesEveryVerifiedPeerButNoPlaintextRequest() throws Exception {
        String anyPeer = "{authenticated: {}}";

        assertThat(principalMatches(anyPeer, get("/").from(ALICE))).isTrue();
        assertThat(principalMatches(anyPeer, get("/").from(BOB))).isTrue();
        assertThat(principalMatches(anyPeer, get("/"))).isFalse();
    }

    @Test
    void authenticatedPrincipalNameIsAStringMatcherOnTheSpiffeId() throws Exception {
        Request alice = get("/").from(ALICE);
        Request bob = get("/").from(BOB);

        assertThat(principalMatches("{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}}", alice)).isTrue();
        assertThat(principalMatches("{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}}", bob)).isFalse();
        String namespaceDefault = "{authenticated: {principal_name: {prefix: \"spiffe://cluster.local/ns/default/\"}}}";
        assertThat(principalMatches(namespaceDefault, alice)).isTrue();
        assertThat(principalMatches(namespaceDefault, bob)).isFalse();
        assertThat(principalMatches("{authenticated: {principal_name: {suffix: \"/sa/bob\"}}}", bob)).isTrue();
        assertThat(principalMatches("{authenticated: {principal_name: {suffix: \"/sa/bob\"}}}", alice)).isFalse();
        assertThat(principalMatches("{authenticated: {principal_name: {contains: \"/ns/other/\"}}}", bob)).isTrue();
        assertThat(principalMatches("{authenticated: {principal_name: {contains: \"/ns/other/\"}}}", alice)).isFalse();
        String regex = "{authenticated: {principal_name: {safe_regex: {regex: \"spiffe://cluster\\\\.local/ns/[a-z]+/sa/al.*\"}}}}";
        assertThat(principalMatches(regex, alice)).isTrue();
        assertThat(principalMatches(regex, bob)).isFalse();
    }

    @Test
    void aPlaintextRequestMatchesNoAuthenticatedPrincipalWhateverItsName() throws Exception {
        assertThat(principalMatches("{authenticated: {principal_name: {safe_regex: {regex: \".*\"}}}}", get("/"))).isFalse();
        assertThat(principalMatches("{authenticated: {principal_name: {exact: \"\"}}}", get("/"))).isFalse();
    }

    @Test
    void andOrAndNotCombinePrincipals() throws Exception {
        String aliceFromTen = "{and_ids: {ids: [{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}},"
                + " {direct_remote_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}]}}";
        String aliceOrBob = "{or_ids: {ids: [{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}},"
                + " {authenticated: {principal_name: {exact: \"" + BOB + "\"}}}]}}";
        String notAuthenticated = "{not_id: {authenticated: {}}}";

        assertThat(principalMatches(aliceFromTen, get("/").from(ALICE))).isTrue();
        assertThat(principalMatches(aliceFromTen, get("/").from(ALICE).peer("192.168.1.1"))).isFalse();
        assertThat(principalMatches(aliceFromTen, get("/").from(BOB))).isFalse();
        assertThat(principalMatches(aliceOrBob, get("/").from(BOB))).isTrue();
        assertThat(principalMatches(aliceOrBob, get("/").from("spiffe://cluster.local/ns/default/sa/carol"))).isFalse();
        assertThat(principalMatches(notAuthenticated, get("/"))).as("plaintext").isTrue();
        assertThat(principalMatches(notAuthenticated, get("/").from(ALICE))).isFalse();
    }

    @Test
    void headerAndUrlPathPrincipalsLookAtTheRequest() throws Exception {
        assertThat(principalMatches("{header: {name: x-caller, string_match: {exact: ci}}}", get("/").header("x-caller", "ci"))).isTrue();
        assertThat(principalMatches("{header: {name: x-caller, string_match: {exact: ci}}}", get("/"))).isFalse();
        assertThat(principalMatches("{url_path: {path: {prefix: /public/}}}", get("/public/x"))).isTrue();
        assertThat(principalMatches("{url_path: {path: {prefix: /public/}}}", get("/private"))).isFalse();
    }

    @Test
    void directRemoteIpIsTheConnectionPeerInACidrRange() throws Exception {
        String tenSlash8 = "{direct_remote_ip: {address_prefix: 10.1.0.0, prefix_len: 16}}";
        String oneHost = "{direct_remote_ip: {address_prefix: 10.1.2.3, prefix_len: 32}}";
        String oddPrefix = "{direct_remote_ip: {address_prefix: 10.1.2.128, prefix_len: 25}}";
        String v6 = "{direct_remote_ip: {address_prefix: \"fd00::\", prefix_len: 8}}";
        String everyV4 = "{direct_remote_ip: {address_prefix: 0.0.0.0}}";

        assertThat(principalMatches(tenSlash8, get("/").peer("10.1.200.7"))).isTrue();
        assertThat(principalMatches(tenSlash8, get("/").peer("10.2.0.1"))).isFalse();
        assertThat(principalMatches(oneHost, get("/").peer("10.1.2.3"))).isTrue();
        assertThat(principalMatches(oneHost, get("/").peer("10.1.2.4"))).isFalse();
        assertThat(principalMatches(oddPrefix, get("/").peer("10.1.2.200"))).isTrue();
        assertThat(principalMatches(oddPrefix, get("/").peer("10.1.2.127"))).isFalse();
        assertThat(principalMatches(v6, get("/").peer("fd12::1"))).isTrue();
        assertThat(principalMatches(v6, get("/").peer("fe80::1"))).isFalse();
        assertThat(principalMatches(v6, get("/").peer("10.1.2.3"))).as("other family").isFalse();
        assertThat(principalMatches(everyV4, get("/").peer("203.0.113.9"))).isTrue();
        assertThat(principalMatches(everyV4, get("/").peer("::1"))).isFalse();
    }

    @Test
    void remoteIpIsThePeerUnlessForwardedForIsTrusted() throws Exception {
        String clients = "{remote_ip: {address_prefix: 198.51.100.0, prefix_len: 24}}";
        Request forwarded = get("/").peer("10.0.0.1").header("x-forwarded-for", "203.0.113.1, 198.51.100.7");

        assertThat(principalMatches(clients, forwarded)).as("use_remote_address (Weft's default): the peer").isFalse();
        assertThat(principalMatches(clients, forwarded.trustingForwardedFor())).as("the last x-forwarded-for hop").isTrue();
        assertThat(principalMatches(clients, get("/").peer("198.51.100.9").trustingForwardedFor()))
                .as("no x-forwarded-for: the peer").isTrue();
    }

    // ---- permissions

    @Test
    void headerPermissionsSeeMethodAuthorityAndPathAsPseudoHeaders() throws Exception {
        assertThat(permissionMatches("{header: {name: \":method\", string_match: {exact: GET}}}", get("/"))).isTrue();
        assertThat(permissionMatches("{header: {name: \":method\", string_match: {exact: GET}}}", request("POST", "/"))).isFalse();
        assertThat(permissionMatches("{header: {name: \":authority\", string_match: {prefix: \"reviews.default\"}}}", get("/"))).isTrue();
        assertThat(permissionMatches("{header: {name: \":authority\", string_match: {exact: ratings}}}", get("/"))).isFalse();
        assertThat(permissionMatches("{header: {name: \":path\", string_match: {exact: \"/a?b=1\"}}}", get("/a?b=1")))
                .as(":path carries the query").isTrue();
        assertThat(permissionMatches("{header: {name: x-tenant, present_match: true}}", get("/").header("x-tenant", "t1"))).isTrue();
        assertThat(permissionMatches("{header: {name: x-tenant, present_match: true}}", get("/"))).isFalse();
        assertThat(permissionMatches("{header: {name: x-tenant, string_match: {exact: \"t1,t2\"}}}",
                get("/").header("x-tenant", "t1").header("x-tenant", "t2"))).as("repeated values joined").isTrue();
    }

    @Test
    void urlPathIgnoresQueryAndFragment() throws Exception {
        String exact = "{url_path: {path: {exact: /api/items}}}";

        assertThat(permissionMatches(exact, get("/api/items?limit=5"))).isTrue();
        assertThat(permissionMatches(exact, get("/api/items#top"))).isTrue();
        assertThat(permissionMatches(exact, get("/api/items/1"))).isFalse();
        assertThat(permissionMatches("{url_path: {path: {prefix: /API/, ignore_case: true}}}", get("/api/x"))).isTrue();
    }

    @Test
    void andOrAndNotCombinePermissions() throws Exception {
        String readApi = "{and_rules: {rules: [{or_rules: {rules: [{header: {name: \":method\", string_match: {exact: GET}}},"
                + " {header: {name: \":method\", string_match: {exact: HEAD}}}]}}, {url_path: {path: {prefix: /api/}}}]}}";
        String notAdmin = "{not_rule: {url_path: {path: {prefix: /admin}}}}";

        assertThat(permissionMatches(readApi, get("/api/x"))).isTrue();
        assertThat(permissionMatches(readApi, request("HEAD", "/api/x"))).isTrue();
        assertThat(permissionMatches(readApi, request("DELETE", "/api/x"))).isFalse();
        assertThat(permissionMatches(readApi, get("/other"))).isFalse();
        assertThat(permissionMatches(notAdmin, get("/x"))).isTrue();
        assertThat(permissionMatches(notAdmin, get("/admin/users"))).isFalse();
    }

    @Test
    void destinationPortIsTheLocalPortOfTheConnection() throws Exception {
        assertThat(permissionMatches("{destination_port: 8080}", get("/").port(8080))).isTrue();
        assertThat(permissionMatches("{destination_port: 8080}", get("/").port(9090))).isFalse();
    }

    @Test
    void aPolicyNeedsAPermissionAndAPrincipalToMatch() throws Exception {
        Authorization a = onePolicy("ALLOW", "p", "{url_path: {path: {prefix: /api/}}}, {destination_port: 9999}",
                "{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}}, {header: {name: x-ci, present_match: true}}");

        assertThat(matches(a, get("/api/x").from(ALICE))).as("first permission, first principal").isTrue();
        assertThat(matches(a, get("/other").port(9999).header("x-ci", "1"))).as("second of each").isTrue();
        assertThat(matches(a, get("/api/x").from(BOB))).as("no principal").isFalse();
        assertThat(matches(a, get("/other").from(ALICE))).as("no permission").isFalse();
    }
}
