#include "core/cli/command.h"

int main(int argc, char** argv)
{
    return cellscope::cli::run(argc, argv);
}
