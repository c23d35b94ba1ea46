;; ~/.emacs.d/init.el (Emacs 29 or later, whose Eglot is built in)
(define-derived-mode vigil-mode prog-mode "Vigil"
  (setq-local comment-start "# "))
(add-to-list 'auto-mode-alist '("\\.\\(vigil\\|tests\\)\\'" . vigil-mode))
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(vigil-mode "vigil" "lsp")))
(add-hook 'vigil-mode-hook #'eglot-ensure)
