package kwire.junit;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link KwireMock}: a class annotation gives the class one cluster
 * (started before all its tests, stopped after), a method annotation gives that test its own.
 * Resolves {@link MockCluster}, {@link MockController} and {@code @BootstrapServers String}
 * parameters.
 */
public final class KwireMockExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KwireMockExtension.class);
  private static final String KEY = "cluster";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  @Override
  public void beforeAll(ExtensionContext ctx) {
    ctx.getTestClass()
        .flatMap(c -> AnnotationSupport.findAnnotation(c, KwireMock.class))
        .ifPresent(o -> ctx.getStore(NS).put(KEY, MockCluster.start(MockCluster.flags(o), START_TIMEOUT)));
  }

  @Override
  public void beforeEach(ExtensionContext ctx) {
    ctx.getTestMethod()
        .flatMap(m -> AnnotationSupport.findAnnotation(m, KwireMock.class))
        .ifPresent(o -> ctx.getStore(NS).put(KEY, MockCluster.start(MockCluster.flags(o), START_TIMEOUT)));
  }

  @Override
  public void afterEach(ExtensionContext ctx) {
    close(ctx);
  }

  @Override
  public void afterAll(ExtensionContext ctx) {
    close(ctx);
  }

  private static void close(ExtensionContext ctx) {
    MockCluster c = ctx.getStore(NS).remove(KEY, MockCluster.class);
    if (c != null) {
      c.close();
    }
  }

  /** The cluster of this test: its own if the method is annotated, else its class's. */
  private static Optional<MockCluster> cluster(ExtensionContext ctx) {
    for (Optional<ExtensionContext> c = Optional.of(ctx); c.isPresent(); c = c.get().getParent()) {
      MockCluster m = c.get().getStore(NS).get(KEY, MockCluster.class);
      if (m != null) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
    Class<?> t = p.getParameter().getType();
    return t == MockCluster.class
        || t == MockController.class
        || (t == String.class && p.isAnnotated(BootstrapServers.class));
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
    MockCluster m =
        cluster(ctx)
            .orElseThrow(() -> new IllegalStateException("no @KwireMock cluster for " + ctx.getDisplayName()));
    Class<?> t = p.getParameter().getType();
    if (t == MockCluster.class) {
      return m;
    }
    return t == MockController.class ? m.controller() : m.bootstrapServers();
  }
}
