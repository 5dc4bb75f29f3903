namespace Controller.Learning;
