package io.baton.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Module and package rules of DESIGN §7 and §9, checked on the production classes. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.baton");
  }

  @Test
  void agentNeverDependsOnManagerOrStore() {
    noClasses().that().resideInAPackage("io.baton.agent..")
        .should().dependOnClassesThat().resideInAnyPackage("io.baton.manager..", "io.baton.store..")
        .check(classes);
  }

  @Test
  void onlyTheCaModuleTouchesBouncyCastle() {
    noClasses().that().resideOutsideOfPackage("io.baton.ca..")
        .should().dependOnClassesThat().resideInAPackage("org.bouncycastle..")
        .check(classes);
  }

  @Test
  void theCliReachesNodesOnlyThroughTheApi() {
    noClasses().that().resideInAPackage("io.baton.cli..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.baton.manager..", "io.baton.store..", "io.baton.agent..", "org.apache.ratis..")
        .check(classes);
  }

  @Test
  void managerAndStoreReadNoWallClock() {
    noClasses().that().resideInAnyPackage("io.baton.manager..", "io.baton.store..")
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callConstructor(java.util.Random.class)
        .check(classes);
  }
}
