#include "vigil/cli.hpp"

int main(int argc, char** argv) { return vigil::cli::run(argc, argv); }
