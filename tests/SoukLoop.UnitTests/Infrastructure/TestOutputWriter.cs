using System.Text;
using Xunit.Abstractions;

namespace SoukLoop.UnitTests.Infrastructure;

/// <summary>The test harness's log, line by line into the test's output (shown when a test fails); never throws.</summary>
sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
                Flush(_line.ToString().TrimEnd('\r'));
            else
                _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value == null)
            return;
        foreach (var c in value)
            Write(c);
    }

    public override void WriteLine(string? value)
    {
        lock (_line)
        {
            _line.Append(value);
            Flush(_line.ToString());
        }
    }

    void Flush(string line)
    {
        _line.Clear();
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test is over (the bus may still log while it stops); the line has nowhere to go.
        }
    }
}
