-- ~/.config/nvim/init.lua (Neovim 0.10 or later)
vim.filetype.add({ extension = { vigil = "vigil", tests = "vigil" } })
vim.api.nvim_create_autocmd("FileType", {
  pattern = "vigil",
  callback = function(args)
    vim.lsp.start({
      name = "vigil",
      cmd = { "vigil", "lsp" },
      root_dir = vim.fs.dirname(args.file),
    })
  end,
})
