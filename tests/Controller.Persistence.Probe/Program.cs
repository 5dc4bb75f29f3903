using System.Globalization;
using Controller.Persistence;

// Usage: Controller.Persistence.Probe lock DIRECTORY
// Takes StateDirectoryLock on DIRECTORY, prints "locked PID" once it holds it, and keeps it until stdin
// closes (so a crashed test run cannot leave it holding the lock) or it is killed. Exit codes: 0 released,
// 2 usage, 3 the directory was locked by someone else (the exception's message is on stderr).
if (args.Length != 2 || args[0] != "lock")
{
    await Console.Error.WriteLineAsync("usage: Controller.Persistence.Probe lock DIRECTORY");
    return 2;
}

StateDirectoryLock held;
try
{
    held = StateDirectoryLock.Acquire(args[1]);
}
catch (StateDirectoryLockedException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 3;
}

using (held)
{
    Console.Out.WriteLine("locked " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    Console.Out.Flush();
    await Console.In.ReadToEndAsync();
}

return 0;
