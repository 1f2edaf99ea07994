#include "cli/app.h"

int main(int argc, char** argv) { return renkei::RunCli(argc, argv); }
