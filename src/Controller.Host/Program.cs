using Controller.Host.Cli;

return ControllerCli.Run(args, Console.Out, Console.Error);
