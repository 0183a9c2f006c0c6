// The two executables as a user runs them.
#include <QProcess>
#include <QtTest>

class TestStudioApp : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void studioReportsVersionAndHelp() {
    QProcess p;
    p.start(MUMU_STUDIO_EXE, {"--version"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains("MUMU Studio 0."));
  }

  void studioStartsOffscreenAndStaysUp() {
    QProcess p;
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    p.setProcessEnvironment(env);
    p.start(MUMU_STUDIO_EXE, {"--settings", dir.filePath("s.ini"), "--language", "ko"});
    QVERIFY(p.waitForStarted(10000));
    // Still running after start-up means the window came up without crashing or exiting.
    QVERIFY(!p.waitForFinished(3000));
    p.terminate();
    QVERIFY(p.waitForFinished(10000));
  }

  void cliExitCodes() {
    QProcess p;
    p.start(MUMU_CLI_EXE, {"info"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray out = p.readAllStandardOutput();
    QVERIFY(out.contains("Qt            build 6."));
    p.start(MUMU_CLI_EXE, {"info", "--bogus"});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("unknown flag --bogus"));
  }
};

QTEST_GUILESS_MAIN(TestStudioApp)
#include "test_studio_app.moc"
