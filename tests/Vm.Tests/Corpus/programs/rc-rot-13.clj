;; Source: Rosetta Code, task "Rot 13" (https://rosettacode.org/wiki/Rot_13), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Rot-13/Clojure/rot-13-1.clj
;;   (commit b83f43371409b15da635177a7e9db7ffbca38ae5).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-rot-13; the top-level expression is printed by -main.
(ns corpus.rc-rot-13)

(defn rot-13 [c]
  (let [i (int c)]
    (cond
      (or (and (>= i (int \a)) (<= i (int \m)))
          (and (>= i (int \A)) (<= i (int \M))))
        (char (+ i 13))
      (or (and (>= i (int \n)) (<= i (int \z)))
          (and (>= i (int \N)) (<= i (int \Z))))
        (char (- i 13))
      :else c)))

(defn -main []
  (prn (apply str (map rot-13 "abcxyzABCXYZ"))) ;; output "nopklmNOPKLM"
  )
