package dev.weft.proxy.rbac;

import static dev.weft.proxy.rbac.RbacFixtures.ALICE;
import static dev.weft.proxy.rbac.RbacFixtures.BOB;
import static dev.weft.proxy.rbac.RbacFixtures.authorization;
import static dev.weft.proxy.rbac.RbacFixtures.get;
import static dev.weft.proxy.rbac.RbacFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.rbac.RbacFixtures.Request;
import dev.weft.proxy.stats.Stats;
import org.junit.jupiter.api.Test;

/** The actions of RBAC filters, their order across filters, the verdict kept for the access log, stats and config errors. */
class AuthorizationTest {
    private static final String DENY_ADMIN = "rules: {action: DENY, policies: {\"ns[default]-policy[no-admin]-rule[0]\": "
            + "{permissions: [{url_path: {path: {prefix: /admin}}}], principals: [{any: true}]}}}";
    private static final String ALLOW_ALICE = "rules: {action: ALLOW, policies: {\"ns[default]-policy[alice]-rule[0]\": "
            + "{permissions: [{any: true}], principals: [{authenticated: {principal_name: {exact: \"" + ALICE + "\"}}}]}}}";
    private static final String AUDIT_WRITES = "rules: {action: LOG, policies: {\"ns[default]-policy[writes]-rule[0]\": "
            + "{permissions: [{not_rule: {header: {name: \":method\", string_match: {exact: GET}}}}], principals: [{any: true}]}}}";

    private final Stats stats = new Stats();

    private RbacVerdict evaluate(Authorization a, Request r) {
        return a.evaluate(r.build(), new RbacStats(stats, "inbound", a));
    }

    @Test
    void allowAdmitsOnlyWhatAPolicyMatches() throws Exception {
        Authorization a = authorization("weft.authz.allow", ALLOW_ALICE);

        RbacVerdict alice = evaluate(a, get("/").from(ALICE));
        RbacVerdict bob = evaluate(a, get("/").from(BOB));
        RbacVerdict plaintext = evaluate(a, get("/"));

        assertThat(alice).isEqualTo(RbacVerdict.ALLOWED);
        assertThat(bob).isEqualTo(new RbacVerdict(true, "weft.authz.allow", null, null));
        assertThat(plaintext.denied()).isTrue();
    }

    @Test
    void allowWithNoPoliciesDeniesEverything() throws Exception {
        Authorization a = authorization("weft.authz.allow", "rules: {action: ALLOW}");

        assertThat(evaluate(a, get("/").from(ALICE)).denied()).isTrue();
        assertThat(evaluate(a, get("/")).denied()).isTrue();
    }

    @Test
    void denyRefusesOnlyWhatAPolicyMatchesAndNamesThePolicy() throws Exception {
        Authorization a = authorization("weft.authz.deny", DENY_ADMIN);

        assertThat(evaluate(a, get("/admin/users")))
                .isEqualTo(new RbacVerdict(true, "weft.authz.deny", "ns[default]-policy[no-admin]-rule[0]", null));
        assertThat(evaluate(a, get("/api"))).isEqualTo(RbacVerdict.ALLOWED);
    }

    @Test
    void logNeverDeniesAndMarksWhatItMatchesAudited() throws Exception {
        Authorization a = authorization("weft.authz.audit", AUDIT_WRITES);

        RbacVerdict post = evaluate(a, request("POST", "/api"));
        RbacVerdict read = evaluate(a, get("/api"));

        assertThat(post).isEqualTo(new RbacVerdict(false, null, null, "ns[default]-policy[writes]-rule[0]"));
        assertThat(read).isEqualTo(RbacVerdict.ALLOWED);
        assertThat(stats.value("http.inbound.rbac.policy.ns[default]-policy[writes]-rule[0].audited")).isEqualTo(1);
        assertThat(stats.value("http.inbound.rbac.allowed")).isEqualTo(2);
        assertThat(stats.value("http.inbound.rbac.denied")).isZero();
    }

    @Test
    void denyIsEvaluatedBeforeAllowAndTheFirstDenialEndsTheChain() throws Exception {
        Authorization a = authorization("weft.authz.deny", DENY_ADMIN, "weft.authz.allow", ALLOW_ALICE,
                "weft.authz.audit", AUDIT_WRITES);

        RbacVerdict aliceAdmin = evaluate(a, request("POST", "/admin").from(ALICE));
        RbacVerdict aliceApi = evaluate(a, request("POST", "/api").from(ALICE));
        RbacVerdict bobApi = evaluate(a, get("/api").from(BOB));

        assertThat(aliceAdmin).as("allowed by the ALLOW filter, but DENY runs first")
                .isEqualTo(new RbacVerdict(true, "weft.authz.deny", "ns[default]-policy[no-admin]-rule[0]", null));
        assertThat(aliceApi).isEqualTo(new RbacVerdict(false, null, null, "ns[default]-policy[writes]-rule[0]"));
        assertThat(bobApi).isEqualTo(new RbacVerdict(true, "weft.authz.allow", null, null));
        assertThat(stats.value("http.inbound.rbac.denied")).isEqualTo(2);
        assertThat(stats.value("http.inbound.rbac.allowed")).isEqualTo(1);
        assertThat(stats.value("http.inbound.rbac.policy.ns[default]-policy[no-admin]-rule[0].denied")).isEqualTo(1);
        assertThat(stats.value("http.inbound.rbac.policy.ns[default]-policy[alice]-rule[0].allowed"))
                .as("the ALLOW filter never saw the request DENY refused").isEqualTo(1);
        assertThat(stats.value("http.inbound.rbac.policy.ns[default]-policy[writes]-rule[0].audited"))
                .as("nor did the LOG filter after it").isEqualTo(1);
    }

    @Test
    void filtersRunInTheirConfiguredOrder() throws Exception {
        Authorization allowFirst = authorization("weft.authz.allow", ALLOW_ALICE, "weft.authz.deny", DENY_ADMIN);

        RbacVerdict bobAdmin = evaluate(allowFirst, get("/admin").from(BOB));

        assertThat(bobAdmin).as("the ALLOW filter, first, refuses bob").isEqualTo(new RbacVerdict(true, "weft.authz.allow", null, null));
        assertThat(stats.value("http.inbound.rbac.policy.ns[default]-policy[no-admin]-rule[0].denied")).isZero();
    }

    @Test
    void theFirstMatchingPolicyByNameDecides() throws Exception {
        Authorization a = authorization("deny", "rules: {action: DENY, policies: {"
                + "b-second: {permissions: [{any: true}], principals: [{any: true}]},"
                + "a-first: {permissions: [{url_path: {path: {prefix: /x}}}], principals: [{any: true}]}}}");

        assertThat(evaluate(a, get("/x")).policy()).isEqualTo("a-first");
        assertThat(evaluate(a, get("/y")).policy()).isEqualTo("b-second");
        assertThat(stats.value("http.inbound.rbac.policy.a-first.denied")).isEqualTo(1);
        assertThat(stats.value("http.inbound.rbac.policy.b-second.denied")).isEqualTo(1);
    }

    @Test
    void aFilterWithoutRulesEnforcesNothing() throws Exception {
        assertThat(authorization("noop", "{}")).isSameAs(Authorization.NONE);
        assertThat(authorization("noop", "{}", "weft.authz.deny", DENY_ADMIN).filters())
                .extracting(RbacFilter::name).containsExactly("weft.authz.deny");
    }

    @Test
    void policyStatsExistFromTheStartUnderTheirFiltersAction() throws Exception {
        Authorization a = authorization("weft.authz.deny", DENY_ADMIN, "weft.authz.allow", ALLOW_ALICE);

        new RbacStats(stats, "inbound", a);

        assertThat(stats.snapshot()).containsKeys("http.inbound.rbac.allowed", "http.inbound.rbac.denied",
                "http.inbound.rbac.policy.ns[default]-policy[no-admin]-rule[0].denied",
                "http.inbound.rbac.policy.ns[default]-policy[alice]-rule[0].allowed");
    }

    // ---- config errors

    private static void assertRejected(String yaml, String message) {
        assertThatThrownBy(() -> authorization("f", yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void badPoliciesAreRejectedNamingTheField() {
        assertRejected("rules: {policies: {p: {principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions: must hold at least one permission (any: true for all)");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].principals: must hold at least one principal (any: true for all)");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{}]}}}",
                "typed_config.rules.policies[\"p\"].principals[0]: one of any, authenticated, and_ids, or_ids, not_id, "
                        + "header, url_path, direct_remote_ip, remote_ip is required");
        assertRejected("rules: {policies: {p: {permissions: [{and_rules: {rules: [{any: true}, {}]}}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions[0].and_rules.rules[1]: one of any, header, url_path, "
                        + "and_rules, or_rules, not_rule, destination_port is required");
        assertRejected("rules: {policies: {p: {permissions: [{any: false}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions[0].any: must be true");
        assertRejected("rules: {policies: {p: {permissions: [{or_rules: {}}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions[0].or_rules.rules: must hold at least one permission");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{and_ids: {}}]}}}",
                "typed_config.rules.policies[\"p\"].principals[0].and_ids.ids: must hold at least one principal");
        assertRejected("rules: {policies: {p: {permissions: [{destination_port: 0}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions[0].destination_port: must be 1-65535, got 0");
        assertRejected("rules: {policies: {\"\": {permissions: [{any: true}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"\"]: a policy needs a name (it names the policy's stats)");
    }

    @Test
    void badMatchersAreRejectedNamingTheField() {
        String p = "typed_config.rules.policies[\"p\"].principals[0]";
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{remote_ip: {address_prefix: \"10.0.0.300\"}}]}}}",
                p + ".remote_ip.address_prefix: \"10.0.0.300\" is not an IP address");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{direct_remote_ip: {address_prefix: 10.0.0.0, prefix_len: 33}}]}}}",
                p + ".direct_remote_ip.prefix_len: must be 0-32 for 10.0.0.0, got 33");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{authenticated: {principal_name: {safe_regex: {regex: \"(\"}}}}]}}}",
                p + ".authenticated.principal_name.safe_regex.regex: missing closing )");
        assertRejected("rules: {policies: {p: {permissions: [{any: true}], principals: [{header: {name: \":scheme\", present_match: true}}]}}}",
                p + ".header.name: pseudo-header :scheme is not supported (supported: :authority, :method, :path)");
        assertRejected("rules: {policies: {p: {permissions: [{url_path: {}}], principals: [{any: true}]}}}",
                "typed_config.rules.policies[\"p\"].permissions[0].url_path.path: is required");
    }
}
