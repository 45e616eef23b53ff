package io.livedesk.server.gateway;

import io.livedesk.server.Node;
import io.livedesk.server.auth.Role;
import io.livedesk.server.testing.Http;
import io.livedesk.server.testing.TestNodes;
import io.livedesk.server.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP admin API answers 401 without a valid token and 403 to every role it is not for; the
 * roles it is for get past the check (whatever the made-up request then earns).
 */
class AdminApiAccessTest {

  private static final Set<Role> ADMINS = EnumSet.of(Role.ADMIN);
  /** Quick-reply templates are edited by supervisors too (issue 3); the rest of /api/admin is for admins alone. */
  private static final Set<Role> TEMPLATE_EDITORS = EnumSet.of(Role.SUPERVISOR, Role.ADMIN);

  private record Endpoint(HttpMethod method, String path, String body, Set<Role> allowed) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private static final List<Endpoint> ENDPOINTS = List.of(
      new Endpoint(HttpMethod.GET, "/api/admin/campaigns", null, ADMINS),
      new Endpoint(HttpMethod.POST, "/api/admin/campaigns", "{}", ADMINS),
      new Endpoint(HttpMethod.GET, "/api/admin/campaigns/no-such", null, ADMINS),
      new Endpoint(HttpMethod.POST, "/api/admin/campaigns/no-such/cancel", null, ADMINS),
      new Endpoint(HttpMethod.GET, "/api/admin/rules", null, ADMINS),
      new Endpoint(HttpMethod.PUT, "/api/admin/rules", "{\"not\":\"rules\"}", ADMINS),
      new Endpoint(HttpMethod.DELETE, "/api/admin/rules", null, ADMINS),
      new Endpoint(HttpMethod.POST, "/api/admin/templates", "{}", TEMPLATE_EDITORS),
      new Endpoint(HttpMethod.PUT, "/api/admin/templates/no-such", "{}", TEMPLATE_EDITORS),
      new Endpoint(HttpMethod.DELETE, "/api/admin/templates/no-such", null, TEMPLATE_EDITORS),
      new Endpoint(HttpMethod.GET, "/api/admin/customers/someone/transcripts", null, ADMINS),
      new Endpoint(HttpMethod.DELETE, "/api/admin/customers/someone/transcripts", null, ADMINS),
      new Endpoint(HttpMethod.GET, "/api/admin/audit", null, ADMINS));

  private static final TestNodes nodes = new TestNodes();
  private static final Vertx client = Vertx.vertx();
  private static Http http;
  private static Node node;

  @BeforeAll
  static void start() {
    node = nodes.start();
    http = new Http(client);
  }

  @AfterAll
  static void stop() {
    http.close();
    nodes.close();
    client.close();
  }

  @TestFactory
  Stream<DynamicTest> withoutAValidTokenTheAnswerIs401() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Endpoint e : ENDPOINTS) {
      tests.add(DynamicTest.dynamicTest(e + " without a token", () ->
          assertEquals(401, http.call(node, e.method(), e.path(), null, e.body()).status())));
      tests.add(DynamicTest.dynamicTest(e + " with a forged token", () ->
          assertEquals(401, http.call(node, e.method(), e.path(), "not.a.token", e.body()).status())));
    }
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> onlyTheRolesAnEndpointIsForGetPastTheCheck() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Endpoint e : ENDPOINTS) {
      for (Role role : Role.values()) {
        boolean allowed = e.allowed().contains(role);
        tests.add(DynamicTest.dynamicTest(e + (allowed ? " lets " : " refuses ") + role.claim(), () -> {
          Http.Response r = http.call(node, e.method(), e.path(), Tokens.of("api-" + role.claim(), role.claim()), e.body());
          if (allowed) {
            assertTrue(r.status() != 401 && r.status() != 403, () -> role.claim() + " was refused: " + r);
          } else {
            assertEquals(403, r.status(), r::toString);
          }
        }));
      }
    }
    return tests.stream();
  }
}
